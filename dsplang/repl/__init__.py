"""`dsp repl`: the interactive session.

- `session.py`  the state kept across inputs and how one input runs (no terminal needed);
- `commands.py` the meta-commands (`:help`, `:load`, `:inspect`, ...), `display.py` their text
  and how values are shown, `helptext.py` what `help(x)` prints, `saving.py` what `:save` writes;
- `completion.py`, `static.py`, `introspect.py` Tab completion: from the static scope model of
  the inputs (the analysis `dsp check` uses), then the live scope for what only it knows;
- `app.py` the prompt_toolkit prompt (highlighting, multi-line input, history) and the loop.
"""
