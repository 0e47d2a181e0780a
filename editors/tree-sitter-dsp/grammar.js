/**
 * @file A tree-sitter grammar for dsplang `.dsp` programs.
 *
 * The language is defined by dsplang/grammar/dsp.lark (the reference parser) and the language
 * reference; this grammar follows the same statements and expression precedences. Layout
 * (NEWLINE, INDENT, DEDENT) comes from the external scanner in src/scanner.c, which measures
 * indentation as Python and the reference parser do (a tab advances to the next multiple of 8)
 * and ignores line breaks inside brackets.
 *
 * Soft keywords (`let use ensure require compile save load from type enum signature module`)
 * are keywords at the start of a statement and names elsewhere: tree-sitter lexes a word as a
 * keyword only where the keyword can stand, and where a name can stand too (`load("x")`,
 * `type = 3`) the parser keeps both readings and the name wins unless the statement reading
 * parses. `input`/`output` (in signature bodies), `on`/`valset` (in `compile`), `to` (in `save`)
 * are keywords only where a name cannot stand.
 */

/* eslint-disable arrow-parens, camelcase */

const PREC = {
  lambda: -2,
  conditional: -1,
  or: 10,
  and: 11,
  not: 12,
  compare: 13,
  bitwise_or: 14,
  bitwise_xor: 15,
  bitwise_and: 16,
  plus: 18,
  times: 19,
  unary: 20,
  power: 21,
  call: 22,
};

const SOFT_KEYWORDS = ['let', 'use', 'ensure', 'require', 'compile', 'save', 'load', 'from',
  'type', 'enum', 'signature', 'module'];

/** One or more `rule` separated by commas. */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

module.exports = grammar({
  name: 'dsp',

  externals: $ => [$._newline, $._indent, $._dedent],

  extras: $ => [$.comment, /[ \t\f\r\n\uFEFF]/, $.line_continuation],

  word: $ => $.identifier,

  supertypes: $ => [$._simple_statement, $._compound_statement, $.expression, $.primary_expression],

  inline: $ => [$._simple_statement, $._compound_statement, $._suite, $._type_argument],

  conflicts: $ => [
    // `use (x)` / `ensure [x]` / `require -x`: the statement, or a call/index/operation on a
    // name spelled like the keyword. Both are kept; the statement wins (dynamic precedence).
    [$.primary_expression, $.use_statement],
    [$.primary_expression, $.ensure_statement],
    [$.primary_expression, $.require_statement],
  ],

  rules: {
    source_file: $ => repeat($._statement),

    _statement: $ => choice(seq($._simple_statement, $._newline), $._compound_statement),

    _simple_statement: $ => choice(
      $.expression_statement,
      $.assignment,
      $.augmented_assignment,
      $.let_statement,
      $.pass_statement,
      $.break_statement,
      $.continue_statement,
      $.return_statement,
      $.raise_statement,
      $.ensure_statement,
      $.require_statement,
      $.use_statement,
      $.compile_statement,
      $.save_statement,
      $.load_statement,
      $.import_statement,
      $.import_from_statement,
      $.signature_alias,
    ),

    _compound_statement: $ => choice(
      $.if_statement,
      $.for_statement,
      $.while_statement,
      $.try_statement,
      $.with_statement,
      $.function_definition,
      $.module_declaration,
      $.type_declaration,
      $.signature_declaration,
      $.enum_declaration,
    ),

    // ------------------------------------------------------------ simple statements

    expression_statement: $ => $._expressions,

    assignment: $ => seq(field('left', $._expressions), '=', field('right', $._expressions)),

    augmented_assignment: $ => seq(
      field('left', $._expressions),
      field('operator', choice('+=', '-=', '*=', '/=', '//=', '%=', '**=', '&=', '|=', '^=')),
      field('right', $._expressions),
    ),

    let_statement: $ => seq(
      'let',
      commaSep1(field('name', $.identifier)),
      optional(seq(':', field('type', $._type))),
      '=',
      field('value', $._expressions),
    ),

    pass_statement: _ => 'pass',
    break_statement: _ => 'break',
    continue_statement: _ => 'continue',

    return_statement: $ => seq('return', optional(field('value', $._expressions))),

    raise_statement: $ => seq('raise', optional(field('value', $.expression))),

    ensure_statement: $ => prec.dynamic(1, seq(
      'ensure',
      field('condition', $.expression),
      optional(seq(',', field('message', $.expression))),
    )),

    require_statement: $ => prec.dynamic(1, seq(
      'require',
      field('condition', $.expression),
      optional(seq(',', field('message', $.expression))),
    )),

    use_statement: $ => prec.dynamic(1, seq('use', field('value', $.expression))),

    compile_statement: $ => seq(
      'compile',
      field('name', $.identifier),
      '=',
      field('program', $.expression),
      'with',
      field('optimizer', $.expression),
      'on',
      field('trainset', $.expression),
      optional(seq('valset', field('valset', $.expression))),
    ),

    save_statement: $ => seq('save', field('name', $.identifier), 'to', field('path', $.expression)),

    load_statement: $ => seq('load', field('name', $.identifier), 'from', field('path', $.expression)),

    import_statement: $ => seq(
      'import',
      choice(field('name', $.dotted_name), field('path', $.string)),
      optional(seq('as', field('alias', $.identifier))),
    ),

    import_from_statement: $ => seq(
      'from',
      field('module', $.dotted_name),
      'import',
      choice(
        commaSep1(field('name', $.import_name)),
        seq('(', commaSep1(field('name', $.import_name)), optional(','), ')'),
      ),
    ),

    import_name: $ => seq(field('name', $.identifier), optional(seq('as', field('alias', $.identifier)))),

    dotted_name: $ => prec(1, seq($.identifier, repeat(seq('.', $.identifier)))),

    signature_alias: $ => seq('signature', field('name', $.identifier), '=', field('spec', $.string)),

    // ------------------------------------------------------------ compound statements

    _suite: $ => choice(
      alias(seq($._simple_statement, $._newline), $.block),
      seq($._indent, $.block),
    ),

    block: $ => seq(repeat1($._statement), $._dedent),

    if_statement: $ => seq(
      'if',
      field('condition', $.expression),
      ':',
      field('consequence', $._suite),
      repeat(field('alternative', $.elif_clause)),
      optional(field('alternative', $.else_clause)),
    ),

    elif_clause: $ => seq('elif', field('condition', $.expression), ':', field('consequence', $._suite)),

    else_clause: $ => seq('else', ':', field('body', $._suite)),

    for_statement: $ => seq(
      'for',
      commaSep1(field('left', $.identifier)),
      'in',
      field('right', $._expressions),
      ':',
      field('body', $._suite),
    ),

    while_statement: $ => seq('while', field('condition', $.expression), ':', field('body', $._suite)),

    try_statement: $ => seq(
      'try',
      ':',
      field('body', $._suite),
      choice(
        seq(repeat1($.except_clause), optional($.else_clause), optional($.finally_clause)),
        $.finally_clause,
      ),
    ),

    except_clause: $ => seq(
      'except',
      optional(seq(field('type', $.identifier), optional(seq('as', field('name', $.identifier))))),
      ':',
      field('body', $._suite),
    ),

    finally_clause: $ => seq('finally', ':', field('body', $._suite)),

    with_statement: $ => seq(
      'with',
      field('value', $.expression),
      optional(seq('as', field('alias', $.identifier))),
      ':',
      field('body', $._suite),
    ),

    function_definition: $ => seq(
      'def',
      field('name', $.identifier),
      field('parameters', $.parameters),
      optional(seq('->', field('return_type', $._type))),
      ':',
      field('body', $._suite),
    ),

    parameters: $ => seq('(', optional(seq(commaSep1($._parameter), optional(','))), ')'),

    _parameter: $ => choice($.parameter, $.list_splat_parameter, $.dictionary_splat_parameter),

    parameter: $ => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('default', $.expression))),
    ),

    list_splat_parameter: $ => seq('*', field('name', $.identifier)),

    dictionary_splat_parameter: $ => seq('**', field('name', $.identifier)),

    // ------------------------------------------------------------ declarations

    // The strings of a docstring are `docstring_part` nodes, not `string`, so that highlight
    // queries tell them apart without depending on pattern order.
    docstring: $ => seq(repeat1(alias($.string, $.docstring_part)), $._newline),

    module_declaration: $ => seq(
      'module',
      field('name', $.identifier),
      optional(field('parameters', $.parameters)),
      ':',
      $._indent,
      field('body', $.module_body),
    ),

    module_body: $ => seq(
      optional($.docstring),
      repeat(choice($.attribute_declaration, $.function_definition, seq($.pass_statement, $._newline))),
      $._dedent,
    ),

    attribute_declaration: $ => seq(field('name', $.identifier), '=', field('value', $.expression), $._newline),

    type_declaration: $ => seq(
      'type',
      field('name', $.identifier),
      ':',
      $._indent,
      field('body', $.type_body),
    ),

    type_body: $ => seq(
      optional($.docstring),
      repeat(choice($.field_declaration, seq($.pass_statement, $._newline))),
      $._dedent,
    ),

    field_declaration: $ => seq(
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(field('description', $.string)),
      optional(seq('=', field('default', $.expression))),
      $._newline,
    ),

    signature_declaration: $ => seq(
      'signature',
      field('name', $.identifier),
      ':',
      $._indent,
      field('body', $.signature_body),
    ),

    signature_body: $ => seq(
      optional($.docstring),
      repeat(choice($.signature_field, seq($.pass_statement, $._newline))),
      $._dedent,
    ),

    signature_field: $ => seq(
      field('direction', choice('input', 'output')),
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(field('description', $.string)),
      $._newline,
    ),

    enum_declaration: $ => seq(
      'enum',
      field('name', $.identifier),
      ':',
      choice(
        seq($._enum_members, $._newline),
        seq($._indent, repeat1(seq($._enum_members, $._newline)), $._dedent),
      ),
    ),

    _enum_members: $ => seq(commaSep1($.enum_member), optional(',')),

    enum_member: $ => choice($.identifier, $.string),

    // ------------------------------------------------------------ types

    _type: $ => choice($.type_name, $.generic_type, $.optional_type),

    type_name: $ => prec(1, seq($.identifier, repeat(seq('.', $.identifier)))),

    generic_type: $ => seq(
      field('name', $.type_name),
      '[',
      commaSep1($._type_argument),
      optional(','),
      ']',
    ),

    _type_argument: $ => choice($._type, $.string, $.integer, $.float, $.true, $.false, $.none,
      $.negative_number),

    negative_number: $ => seq('-', choice($.integer, $.float)),

    optional_type: $ => seq($._type, '?'),

    // ------------------------------------------------------------ expressions

    _expressions: $ => choice($.expression, $.expression_list),

    expression_list: $ => prec.right(seq(
      $.expression,
      choice(',', seq(repeat1(seq(',', $.expression)), optional(','))),
    )),

    expression: $ => choice(
      $.conditional_expression,
      $.lambda,
      $.boolean_operator,
      $.not_operator,
      $.comparison_operator,
      $.primary_expression,
    ),

    primary_expression: $ => choice(
      $.binary_operator,
      $.unary_operator,
      $.identifier,
      alias(choice(...SOFT_KEYWORDS), $.identifier),
      $.string,
      $.concatenated_string,
      $.integer,
      $.float,
      $.true,
      $.false,
      $.none,
      $.attribute,
      $.subscript,
      $.call,
      $.list,
      $.list_comprehension,
      $.dictionary,
      $.dictionary_comprehension,
      $.tuple,
      $.parenthesized_expression,
      $.generator_expression,
    ),

    conditional_expression: $ => prec.right(PREC.conditional, seq(
      field('consequence', $.expression),
      'if',
      field('condition', $.expression),
      'else',
      field('alternative', $.expression),
    )),

    lambda: $ => prec(PREC.lambda, seq(
      'lambda',
      optional(field('parameters', $.lambda_parameters)),
      ':',
      field('body', $.expression),
    )),

    lambda_parameters: $ => seq(commaSep1($._lambda_parameter), optional(',')),

    _lambda_parameter: $ => choice(
      alias($.lambda_parameter, $.parameter),
      $.list_splat_parameter,
      $.dictionary_splat_parameter,
    ),

    lambda_parameter: $ => seq(field('name', $.identifier), optional(seq('=', field('default', $.expression)))),

    boolean_operator: $ => choice(
      prec.left(PREC.and, seq(field('left', $.expression), field('operator', 'and'), field('right', $.expression))),
      prec.left(PREC.or, seq(field('left', $.expression), field('operator', 'or'), field('right', $.expression))),
    ),

    not_operator: $ => prec(PREC.not, seq('not', field('argument', $.expression))),

    comparison_operator: $ => prec.left(PREC.compare, seq(
      $.primary_expression,
      repeat1(seq(
        field('operators', choice('<', '<=', '==', '!=', '>=', '>', 'in', alias(seq('not', 'in'), 'not in'),
          'is', alias(seq('is', 'not'), 'is not'))),
        $.primary_expression,
      )),
    )),

    binary_operator: $ => choice(
      prec.left(PREC.plus, seq(field('left', $.primary_expression), field('operator', choice('+', '-')),
        field('right', $.primary_expression))),
      prec.left(PREC.times, seq(field('left', $.primary_expression), field('operator', choice('*', '/', '//', '%')),
        field('right', $.primary_expression))),
      prec.right(PREC.power, seq(field('left', $.primary_expression), field('operator', '**'),
        field('right', $.primary_expression))),
      prec.left(PREC.bitwise_or, seq(field('left', $.primary_expression), field('operator', '|'),
        field('right', $.primary_expression))),
      prec.left(PREC.bitwise_xor, seq(field('left', $.primary_expression), field('operator', '^'),
        field('right', $.primary_expression))),
      prec.left(PREC.bitwise_and, seq(field('left', $.primary_expression), field('operator', '&'),
        field('right', $.primary_expression))),
    ),

    unary_operator: $ => prec(PREC.unary, seq(field('operator', choice('+', '-')), field('argument', $.primary_expression))),

    attribute: $ => prec(PREC.call, seq(field('object', $.primary_expression), '.', field('attribute', $.identifier))),

    subscript: $ => prec(PREC.call, seq(
      field('value', $.primary_expression),
      '[',
      commaSep1(field('subscript', choice($.expression, $.slice))),
      optional(','),
      ']',
    )),

    slice: $ => seq(
      optional(field('start', $.expression)),
      ':',
      optional(field('stop', $.expression)),
      optional(seq(':', optional(field('step', $.expression)))),
    ),

    call: $ => prec(PREC.call, seq(
      field('function', $.primary_expression),
      field('arguments', choice($.argument_list, $.generator_expression)),
    )),

    argument_list: $ => seq(
      '(',
      optional(seq(commaSep1(choice($.expression, $.keyword_argument, $.list_splat, $.dictionary_splat)), optional(','))),
      ')',
    ),

    // An argument name may be spelled like a soft keyword (`f(type="x")`): where an argument
    // starts, so can an expression, and there the word is lexed as the keyword.
    keyword_argument: $ => seq(
      field('name', choice($.identifier, alias(choice(...SOFT_KEYWORDS), $.identifier))),
      '=',
      field('value', $.expression),
    ),

    list_splat: $ => seq('*', $.expression),

    dictionary_splat: $ => seq('**', $.expression),

    list: $ => seq('[', optional(seq(commaSep1(choice($.expression, $.list_splat)), optional(','))), ']'),

    list_comprehension: $ => seq('[', field('body', $.expression), $._comprehension_clauses, ']'),

    dictionary: $ => seq('{', optional(seq(commaSep1(choice($.pair, $.dictionary_splat)), optional(','))), '}'),

    pair: $ => seq(field('key', $.expression), ':', field('value', $.expression)),

    dictionary_comprehension: $ => seq('{', field('body', $.pair), $._comprehension_clauses, '}'),

    generator_expression: $ => seq('(', field('body', $.expression), $._comprehension_clauses, ')'),

    _comprehension_clauses: $ => seq($.for_in_clause, repeat(choice($.for_in_clause, $.if_clause))),

    // A comprehension's `for` and `if` clauses end before a conditional expression or a lambda
    // (as in Python: `[x for x in a if c]` filters), by precedence over both.
    for_in_clause: $ => prec.left(seq(
      'for',
      commaSep1(field('left', $.identifier)),
      'in',
      field('right', $.expression),
    )),

    if_clause: $ => prec.left(seq('if', $.expression)),

    tuple: $ => choice(
      seq('(', ')'),
      seq('(', $.expression, ',', ')'),
      seq('(', $.expression, repeat1(seq(',', $.expression)), optional(','), ')'),
    ),

    parenthesized_expression: $ => seq('(', $.expression, ')'),

    concatenated_string: $ => seq($.string, repeat1($.string)),

    string: _ => token(seq(
      optional(/[rRfF]{1,2}/),
      choice(
        /"""([^"\\]|\\(.|\r?\n)|"[^"\\]|""[^"\\]|"\\(.|\r?\n)|""\\(.|\r?\n))*"""/,
        /'''([^'\\]|\\(.|\r?\n)|'[^'\\]|''[^'\\]|'\\(.|\r?\n)|''\\(.|\r?\n))*'''/,
        /"([^"\\\r\n]|\\(.|\r?\n))*"/,
        /'([^'\\\r\n]|\\(.|\r?\n))*'/,
      ),
    )),

    integer: _ => token(choice(
      /0[xX][0-9a-fA-F_]+/,
      /0[oO][0-7_]+/,
      /0[bB][01_]+/,
      /\d[\d_]*/,
    )),

    float: _ => token(choice(
      /\d[\d_]*\.[\d_]*([eE][+-]?\d[\d_]*)?/,
      /\.\d[\d_]*([eE][+-]?\d[\d_]*)?/,
      /\d[\d_]*[eE][+-]?\d[\d_]*/,
    )),

    true: _ => choice('true', 'True'),
    false: _ => choice('false', 'False'),
    none: _ => choice('none', 'None'),

    identifier: _ => /[_\p{XID_Start}][_\p{XID_Continue}]*/,

    comment: _ => token(seq('#', /.*/)),

    line_continuation: _ => token(seq('\\', /\r?\n/)),
  },
});
