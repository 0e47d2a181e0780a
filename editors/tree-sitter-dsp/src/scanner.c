// The external scanner of tree-sitter-dsp: the layout tokens NEWLINE, INDENT and DEDENT.
//
// All three are zero-width tokens placed at the end of a line (before its line break): the
// scanner looks ahead over line breaks, blank lines and comment lines to the first character of
// the next line of code, measures that line's indentation (a tab advances to the next multiple
// of 8 columns, as in Python and dsplang's own parser) and compares it with the stack of open
// block indentations. The characters it looked at are not consumed; the grammar's extras
// (whitespace, line breaks, comments) take them afterwards. Inside brackets the grammar never
// asks for NEWLINE, so lines continue there, as they do after a backslash.

#include "tree_sitter/parser.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum TokenType { NEWLINE, INDENT, DEDENT };

#define TAB_SIZE 8
#define MAX_DEPTH (TREE_SITTER_SERIALIZATION_BUFFER_SIZE / sizeof(uint16_t))

typedef struct {
  uint16_t *indents;  // indents[0] == 0, the top level
  uint32_t size;
  uint32_t capacity;
} Scanner;

static void push(Scanner *s, uint16_t indent) {
  if (s->size == s->capacity) {
    uint32_t capacity = s->capacity ? s->capacity * 2 : 16;
    uint16_t *grown = realloc(s->indents, capacity * sizeof(uint16_t));
    if (grown == NULL) {
      return;
    }
    s->indents = grown;
    s->capacity = capacity;
  }
  s->indents[s->size++] = indent;
}

static void reset(Scanner *s) {
  s->size = 0;
  push(s, 0);
}

void *tree_sitter_dsp_external_scanner_create(void) {
  Scanner *s = calloc(1, sizeof(Scanner));
  if (s != NULL) {
    reset(s);
  }
  return s;
}

void tree_sitter_dsp_external_scanner_destroy(void *payload) {
  Scanner *s = payload;
  free(s->indents);
  free(s);
}

unsigned tree_sitter_dsp_external_scanner_serialize(void *payload, char *buffer) {
  Scanner *s = payload;
  // indents[0] is always 0 and is not written.
  uint32_t count = s->size > 0 ? s->size - 1 : 0;
  if (count > MAX_DEPTH) {
    count = MAX_DEPTH;
  }
  memcpy(buffer, s->indents + 1, count * sizeof(uint16_t));
  return count * sizeof(uint16_t);
}

void tree_sitter_dsp_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  Scanner *s = payload;
  reset(s);
  for (unsigned i = 0; i + sizeof(uint16_t) <= length; i += sizeof(uint16_t)) {
    uint16_t indent;
    memcpy(&indent, buffer + i, sizeof(uint16_t));
    push(s, indent);
  }
}

static void skip(TSLexer *lexer) { lexer->advance(lexer, true); }

bool tree_sitter_dsp_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  Scanner *s = payload;
  // During error recovery every symbol is valid; layout tokens then could loop without
  // consuming input, so the scanner leaves the text to the grammar's extras.
  if (valid_symbols[NEWLINE] && valid_symbols[INDENT] && valid_symbols[DEDENT]) {
    return false;
  }
  lexer->mark_end(lexer);

  bool found_end_of_line = false;
  uint32_t indent = 0;
  for (;;) {
    if (lexer->eof(lexer)) {
      found_end_of_line = true;
      indent = 0;
      break;
    }
    int32_t c = lexer->lookahead;
    if (c == '\n') {
      found_end_of_line = true;
      indent = 0;
      skip(lexer);
    } else if (c == ' ') {
      indent++;
      skip(lexer);
    } else if (c == '\t') {
      indent = (indent / TAB_SIZE + 1) * TAB_SIZE;
      skip(lexer);
    } else if (c == '\r' || c == '\f' || c == 0xFEFF) {
      skip(lexer);
    } else if (c == '#') {
      // A comment after code on the same line: the grammar lexes it, and the scanner runs
      // again at the line break after it.
      if (!found_end_of_line) {
        return false;
      }
      // A comment line: its indentation does not count.
      while (!lexer->eof(lexer) && lexer->lookahead != '\n') {
        skip(lexer);
      }
    } else if (c == '\\') {
      // A backslash before a line break continues the line.
      skip(lexer);
      if (lexer->lookahead == '\r') {
        skip(lexer);
      }
      if (lexer->lookahead != '\n') {
        return false;
      }
      skip(lexer);
    } else {
      break;
    }
  }
  if (!found_end_of_line) {
    return false;
  }

  uint16_t current = s->indents[s->size - 1];
  if (valid_symbols[INDENT] && indent > current) {
    push(s, (uint16_t)(indent > UINT16_MAX ? UINT16_MAX : indent));
    lexer->result_symbol = INDENT;
    return true;
  }
  if (valid_symbols[DEDENT] && indent < current && s->size > 1) {
    s->size--;
    lexer->result_symbol = DEDENT;
    return true;
  }
  if (valid_symbols[NEWLINE]) {
    lexer->result_symbol = NEWLINE;
    return true;
  }
  return false;
}
