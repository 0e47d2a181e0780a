#!/usr/bin/env node
// Tokenizes .dsp files with the TextMate engine VS Code uses (vscode-textmate +
// vscode-oniguruma) and renders one snapshot line per token: `  "text" -> scopes`.
//
//   node tokenize.js FILE...            print snapshots to stdout
//   node tokenize.js --json FILE...     print {file: {snapshot, tokens}} as JSON
//   node tokenize.js --check FILE...    compare with FILE.tokens, exit 1 on a difference
//   node tokenize.js --update FILE...   rewrite FILE.tokens
// With no FILE, --check/--update use tests/fixtures/editors/*.dsp.
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'dsp.tmLanguage.json');
const FIXTURES = path.join(__dirname, '..', '..', '..', 'tests', 'fixtures', 'editors');
const ROOT_SCOPE = 'source.dsp';

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== ROOT_SCOPE) return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR);
    },
  });
  return registry.loadGrammar(ROOT_SCOPE);
}

// Returns [{line, start, end, text, scopes}] for every token of `source`.
function tokenize(grammar, source) {
  const tokens = [];
  let stack = vsctm.INITIAL;
  const lines = source.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((lineText, index) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const token of result.tokens) {
      const end = Math.min(token.endIndex, lineText.length);
      if (token.startIndex >= end) continue;
      tokens.push({
        line: index + 1,
        start: token.startIndex,
        end,
        text: lineText.slice(token.startIndex, end),
        scopes: token.scopes,
      });
    }
    stack = result.ruleStack;
  });
  return { lines, tokens };
}

// Whitespace-only tokens are left out of the snapshot.
function render({ lines, tokens }) {
  const out = [];
  let next = 0;
  lines.forEach((lineText, index) => {
    out.push(`${index + 1}: ${lineText}`);
    while (next < tokens.length && tokens[next].line === index + 1) {
      const token = tokens[next++];
      const scopes = token.scopes.filter((scope) => scope !== ROOT_SCOPE);
      if (!token.text.trim()) continue;
      out.push(`  ${JSON.stringify(token.text)} -> ${scopes.length ? scopes.join(' ') : ROOT_SCOPE}`);
    }
  });
  return out.join('\n') + '\n';
}

function snapshotPath(file) {
  return `${file}.tokens`;
}

async function main(argv) {
  const mode = ['--json', '--check', '--update'].find((flag) => argv.includes(flag)) || '--print';
  let files = argv.filter((arg) => !arg.startsWith('--'));
  if (!files.length && mode !== '--print' && mode !== '--json') {
    files = fs.readdirSync(FIXTURES).filter((name) => name.endsWith('.dsp')).sort()
      .map((name) => path.join(FIXTURES, name));
  }
  const grammar = await loadGrammar();
  const report = {};
  let failures = 0;
  for (const file of files) {
    const result = tokenize(grammar, fs.readFileSync(file, 'utf8'));
    const snapshot = render(result);
    if (mode === '--json') {
      report[file] = { snapshot, tokens: result.tokens };
    } else if (mode === '--update') {
      fs.writeFileSync(snapshotPath(file), snapshot);
    } else if (mode === '--check') {
      const expected = fs.existsSync(snapshotPath(file)) ? fs.readFileSync(snapshotPath(file), 'utf8') : '';
      if (expected !== snapshot) {
        failures++;
        console.error(`snapshot differs: ${snapshotPath(file)} (rerun with --update to accept)`);
      }
    } else {
      process.stdout.write(snapshot);
    }
  }
  if (mode === '--json') process.stdout.write(JSON.stringify(report));
  return failures ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exitCode = 2;
});
