#!/usr/bin/env node
// Tokenises each sample with vscode-textmate + vscode-oniguruma (the engine
// VS Code itself uses) and editors/langoost.tmLanguage.json, and compares the
// scopes of every token with golden/NAME.scopes.
//
//   node tokenize.js [--update] [SAMPLE.goost...]
//
// --update rewrites the golden files. Also checks that the VS Code
// extension's copy of the grammar is identical to editors/ and that its
// package.json points at it. Exit status 1 on any difference.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = __dirname;
const root = path.resolve(here, '..', '..');
const grammarPath = path.join(root, 'editors', 'langoost.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(here, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.langoost') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return registry.loadGrammar('source.langoost');
}

// One line per source line, then one per token: its text and its scopes
// (without the root scope).
function dump(grammar, text) {
  let out = '';
  let state = vsctm.INITIAL;
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const result = grammar.tokenizeLine(line, state);
    out += `${i + 1}: ${line}\n`;
    for (const token of result.tokens) {
      const piece = line.substring(token.startIndex, token.endIndex);
      if (piece.trim() === '') continue;
      const scopes = token.scopes.filter((s) => s !== 'source.langoost');
      out += `  ${JSON.stringify(piece)} ${scopes.join(' ') || '-'}\n`;
    }
    state = result.ruleStack;
  });
  return out;
}

function checkExtension(failures) {
  const copy = path.join(root, 'editors', 'vscode', 'syntaxes', 'langoost.tmLanguage.json');
  if (fs.readFileSync(copy, 'utf8') !== fs.readFileSync(grammarPath, 'utf8'))
    failures.push('editors/vscode/syntaxes/langoost.tmLanguage.json differs from editors/langoost.tmLanguage.json');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'editors', 'vscode', 'package.json'), 'utf8'));
  const grammar = (pkg.contributes.grammars || [])[0] || {};
  const language = (pkg.contributes.languages || [])[0] || {};
  if (grammar.scopeName !== 'source.langoost' || grammar.path !== './syntaxes/langoost.tmLanguage.json')
    failures.push('editors/vscode/package.json: grammars[0] must be source.langoost at ./syntaxes/langoost.tmLanguage.json');
  if (!(language.extensions || []).includes('.goost'))
    failures.push('editors/vscode/package.json: languages[0] must claim .goost');
  const config = path.join(root, 'editors', 'vscode', language.configuration || '');
  if (!fs.existsSync(config)) failures.push('editors/vscode: the language configuration file is missing');
  else JSON.parse(fs.readFileSync(config, 'utf8'));
}

async function main() {
  const args = process.argv.slice(2);
  const update = args.includes('--update');
  let samples = args.filter((a) => a !== '--update').map((a) => path.resolve(a));
  if (!samples.length) {
    const dir = path.join(here, 'samples');
    samples = fs.readdirSync(dir).filter((n) => n.endsWith('.goost')).sort().map((n) => path.join(dir, n));
  }
  const grammar = await loadGrammar();
  const failures = [];
  let passed = 0;
  for (const sample of samples) {
    const name = path.basename(sample, '.goost');
    const golden = path.join(here, 'golden', name + '.scopes');
    const actual = dump(grammar, fs.readFileSync(sample, 'utf8'));
    if (update) fs.writeFileSync(golden, actual);
    const expected = fs.existsSync(golden) ? fs.readFileSync(golden, 'utf8') : '';
    if (actual === expected) {
      passed++;
      console.log(`ok   ${name}`);
      continue;
    }
    const a = actual.split('\n'), e = expected.split('\n');
    let i = 0;
    while (i < a.length && a[i] === e[i]) i++;
    failures.push(`${name}: scopes differ from golden/${name}.scopes at line ${i + 1}:\n` +
                  `  expected: ${e[i]}\n  actual:   ${a[i]}\n  (node tokenize.js --update rewrites the golden files)`);
  }
  checkExtension(failures);
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`editor grammar: ${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
