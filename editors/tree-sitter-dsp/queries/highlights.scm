; Highlights for dsplang (.dsp).
;
; Where two patterns match the same node the later one wins, as in the tree-sitter CLI and
; highlight library (0.21+) and Neovim. Apart from the fallback just below (any name is a
; @variable, which locals.scm turns into its definition's highlight: a parameter used in a
; body is a @variable.parameter), predicates keep the patterns apart, so an editor where the
; first matching pattern wins gives the same result once that fallback is moved last.

(identifier) @variable

; ------------------------------------------------------------------ declarations

(signature_declaration name: (identifier) @type.definition)
(signature_alias name: (identifier) @type.definition)
(module_declaration name: (identifier) @type.definition)
(type_declaration name: (identifier) @type.definition)
(enum_declaration name: (identifier) @type.definition)
(enum_member (identifier) @constant)
(function_definition name: (identifier) @function)

(signature_field name: (identifier) @variable.member)
(field_declaration name: (identifier) @variable.member)
(attribute_declaration name: (identifier) @variable.member)

(docstring_part) @string.documentation

; ------------------------------------------------------------------ types

((type_name (identifier) @type.builtin)
  (#match? @type.builtin "^(str|int|float|bool|list|dict|optional|literal|any)$"))
((type_name (identifier) @type)
  (#not-match? @type "^(str|int|float|bool|list|dict|optional|literal|any)$"))

; ------------------------------------------------------------------ names in bindings

(let_statement name: (identifier) @variable)
(for_statement left: (identifier) @variable)
(for_in_clause left: (identifier) @variable)
(compile_statement name: (identifier) @variable)
(save_statement name: (identifier) @variable)
(load_statement name: (identifier) @variable)
(with_statement alias: (identifier) @variable)
(except_clause type: (identifier) @type)
(except_clause name: (identifier) @variable)
(import_statement alias: (identifier) @module)
(import_statement name: (dotted_name (identifier) @module))
(import_from_statement module: (dotted_name (identifier) @module))
(import_name name: (identifier) @variable)
(import_name alias: (identifier) @variable)

(parameter name: (identifier) @variable.parameter)
(list_splat_parameter name: (identifier) @variable.parameter)
(dictionary_splat_parameter name: (identifier) @variable.parameter)
(keyword_argument name: (identifier) @variable.parameter)

; ------------------------------------------------------------------ calls

((call function: (identifier) @function.builtin)
  (#match? @function.builtin "^(print|len|range|str|int|float|bool|list|dict|tuple|set|sorted|reversed|min|max|sum|abs|round|enumerate|zip|any|all|map|filter|repr|isinstance|hasattr|getattr|type_of|json_dumps|json_loads|format|load|evaluate|split|bbc_news|exact_match|f1|passage_match|normalize|semantic_f1|majority|inspect_history|batch)$"))
((call function: (identifier) @constructor)
  (#match? @constructor "^[A-Z]"))
((call function: (identifier) @function.call)
  (#not-match? @function.call "^([A-Z]|(print|len|range|str|int|float|bool|list|dict|tuple|set|sorted|reversed|min|max|sum|abs|round|enumerate|zip|any|all|map|filter|repr|isinstance|hasattr|getattr|type_of|json_dumps|json_loads|format|load|evaluate|split|bbc_news|exact_match|f1|passage_match|normalize|semantic_f1|majority|inspect_history|batch)$)"))
(call function: (attribute attribute: (identifier) @function.method.call))

; ------------------------------------------------------------------ literals

(string) @string
(integer) @number
(float) @number.float
[(true) (false)] @boolean
(none) @constant.builtin
(comment) @comment

; ------------------------------------------------------------------ keywords

[
  "let"
  "use"
  "ensure"
  "require"
  "compile"
  "save"
  "load"
  "with"
  "on"
  "valset"
  "to"
] @keyword

; `pass`, `break` and `continue` are statements of one word.
(pass_statement) @keyword
[(break_statement) (continue_statement)] @keyword.repeat

[
  "signature"
  "module"
  "type"
  "enum"
] @keyword.type

["input" "output"] @keyword.modifier

["def" "lambda"] @keyword.function

"return" @keyword.return

["if" "elif" "else"] @keyword.conditional

["for" "while"] @keyword.repeat

["try" "except" "finally" "raise"] @keyword.exception

["import" "from" "as"] @keyword.import

["and" "or" "not" "in" "is"] @keyword.operator

; ------------------------------------------------------------------ operators and punctuation

[
  "+" "-" "*" "/" "//" "%" "**" "&" "|" "^"
  "==" "!=" "<" "<=" ">" ">="
  "=" "+=" "-=" "*=" "/=" "//=" "%=" "**=" "&=" "|=" "^="
  "->" "?"
] @operator

["(" ")" "[" "]" "{" "}"] @punctuation.bracket

["," "." ":"] @punctuation.delimiter
