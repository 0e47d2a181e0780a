; Scopes, definitions and references for dsplang (.dsp), for editors that colour a reference
; like the name it refers to (a parameter used in a body) and for go-to-definition by tree.
; Only names bound by statements are local definitions: declarations (`signature`, `module`,
; `type`, `enum`, `def`) are visible in the whole file and keep their own highlights where
; they are used.

; ------------------------------------------------------------------ scopes

(source_file) @local.scope
(function_definition) @local.scope
(lambda) @local.scope
(module_declaration) @local.scope
(list_comprehension) @local.scope
(dictionary_comprehension) @local.scope
(generator_expression) @local.scope

; ------------------------------------------------------------------ definitions

(let_statement name: (identifier) @local.definition)
(for_statement left: (identifier) @local.definition)
(for_in_clause left: (identifier) @local.definition)
(parameter name: (identifier) @local.definition)
(list_splat_parameter name: (identifier) @local.definition)
(dictionary_splat_parameter name: (identifier) @local.definition)
(import_name alias: (identifier) @local.definition)
(import_name name: (identifier) @local.definition !alias)
(import_statement alias: (identifier) @local.definition)
(with_statement alias: (identifier) @local.definition)
(except_clause name: (identifier) @local.definition)
(compile_statement name: (identifier) @local.definition)

; ------------------------------------------------------------------ references

(identifier) @local.reference
