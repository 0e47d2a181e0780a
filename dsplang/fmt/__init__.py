"""`dsp fmt`: the .dsp formatter.

It works on the real lexer's tokens (comments included), so nothing but layout changes;
a file that does not parse is refused, and the AST of the result is checked against the
AST of the input before anything is written.

The style, modest and Python-like:

- 4 spaces per indentation level; continuation lines inside brackets are indented one
  level per line that opened brackets still open (the closing bracket goes back to the
  statement's level); a backslash continuation is indented one level.
- One space around binary operators, comparisons, `=` of assignments and `->`; none
  around `=` of a keyword argument or an unannotated default (`f(x=1)`, `def f(k=3)`),
  spaces when the parameter is annotated (`def f(k: int = 3)`). No space after unary
  `-`, `+`, `*`, `**`. One space after `,` and `:`; none before them; none inside
  brackets, before a call's `(` or a subscript's `[`, or around `.`; slices are written
  tight (`x[1:n]`).
- Line breaks inside brackets are kept where the author put them (the tokens of each
  line are re-spaced). Strings are kept as written, except that the inner lines of a
  triple-quoted string that starts a row move with that row when its indentation changes
  (the dedent rule gives the same value).
- Comments stay on their lines. A trailing comment keeps its column when the code leaves
  room (so aligned comments stay aligned), else it sits two spaces after the code.
  An own-line comment is indented like the block it belongs to.
- In `signature` and `type` blocks the extra spaces that align columns
  (`input  context: list[str]    "..."`) are kept.
- At most 2 blank lines in a row at top level and 1 inside blocks; none at the start of
  the file or of a block; at least one before and after a block declaration (`def`,
  `module`, `signature`, `type`, `enum` with a body) unless a comment is directly above.
- No trailing whitespace; the file ends with exactly one newline.
"""

from dsplang.fmt.formatter import FormatError, format_source

__all__ = ["format_source", "FormatError"]
