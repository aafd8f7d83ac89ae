// Drives `langoost lsp` over stdio with vscode-languageserver-protocol, the
// client library VS Code's own language client is built on: a two-file
// project (main.goost imports lib.goost), edits, diagnostics, hover,
// definition, references, completion, symbols, formatting and rename.
//     node lsp_test.js PATH/TO/langoost
'use strict';
const assert = require('assert');
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const rpc = require('vscode-jsonrpc/node');
const P = require('vscode-languageserver-protocol');

const binary = process.argv[2];
const project = path.join(__dirname, 'project');
const mainPath = path.join(project, 'main.goost');
const libPath = path.join(project, 'lib.goost');
const mainUri = pathToFileURL(mainPath).href;
const libUri = pathToFileURL(libPath).href;
const mainText = fs.readFileSync(mainPath, 'utf8');
const libText = fs.readFileSync(libPath, 'utf8');

// The 0-based position of the `nth` occurrence of `needle` in `text`, plus `offset` characters.
function positionOf(text, needle, nth = 0, offset = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `'${needle}' #${nth} not in the text`);
  }
  at += offset;
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
  }
}

async function main() {
  const child = cp.spawn(binary, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = P.createProtocolConnection(new rpc.StreamMessageReader(child.stdout),
                                                new rpc.StreamMessageWriter(child.stdin));
  const diagnostics = new Map(); // uri -> [resolve, promise] of the next publication
  const waiters = [];
  connection.onNotification(P.PublishDiagnosticsNotification.type, (params) => {
    diagnostics.set(params.uri, params.diagnostics);
    for (const w of waiters.splice(0)) w();
  });
  async function nextDiagnostics(uri, action) {
    diagnostics.delete(uri);
    const got = new Promise((resolve) => {
      const poll = () => (diagnostics.has(uri) ? resolve(diagnostics.get(uri)) : waiters.push(poll));
      waiters.push(poll);
    });
    await action();
    return got;
  }
  connection.listen();

  const init = await connection.sendRequest(P.InitializeRequest.type, {
    processId: process.pid, rootUri: pathToFileURL(project).href, capabilities: {}, workspaceFolders: null,
  });
  connection.sendNotification(P.InitializedNotification.type, {});
  const doc = (uri) => ({ textDocument: { uri } });
  const at = (uri, position) => ({ textDocument: { uri }, position });

  await check('initialize announces the features', async () => {
    const caps = init.capabilities;
    for (const c of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider',
                     'documentFormattingProvider', 'completionProvider', 'renameProvider'])
      assert.ok(caps[c], c);
  });

  await check('a clean file has no diagnostics', async () => {
    const d = await nextDiagnostics(mainUri, () => connection.sendNotification(P.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: mainUri, languageId: 'langoost', version: 1, text: mainText } }));
    assert.deepStrictEqual(d, []);
  });
  await nextDiagnostics(libUri, () => connection.sendNotification(P.DidOpenTextDocumentNotification.type, {
    textDocument: { uri: libUri, languageId: 'langoost', version: 1, text: libText } }));

  await check('an edit that breaks the file reports the error where it is', async () => {
    const broken = mainText + 'println(undefinedName)\n';
    const d = await nextDiagnostics(mainUri, () => connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: mainUri, version: 2 }, contentChanges: [{ text: broken }] }));
    assert.strictEqual(d.length, 1, JSON.stringify(d));
    assert.match(d[0].message, /undefinedName/);
    assert.deepStrictEqual(d[0].range.start, positionOf(broken, 'undefinedName'));
    assert.strictEqual(d[0].severity, 1);
  });
  await check('fixing it clears the diagnostics', async () => {
    const d = await nextDiagnostics(mainUri, () => connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: mainUri, version: 3 }, contentChanges: [{ text: mainText }] }));
    assert.deepStrictEqual(d, []);
  });

  await check('hover shows the signature and doc comment of an imported function', async () => {
    const h = await connection.sendRequest(P.HoverRequest.type, at(mainUri, positionOf(mainText, 'add(sum')));
    assert.match(h.contents.value, /fn add\(a: int, b: int\): int/);
    assert.match(h.contents.value, /Adds two numbers\./);
  });
  await check('hover on a parameter and a local', async () => {
    const h = await connection.sendRequest(P.HoverRequest.type, at(mainUri, positionOf(mainText, 'items', 1)));
    assert.match(h.contents.value, /\(parameter\) items/);
    const l = await connection.sendRequest(P.HoverRequest.type, at(mainUri, positionOf(mainText, 'sum', 2)));
    assert.match(l.contents.value, /\(local\) let sum/);
  });

  await check('definition of an imported name is in the other file', async () => {
    const d = await connection.sendRequest(P.DefinitionRequest.type, at(mainUri, positionOf(mainText, 'add(sum')));
    assert.strictEqual(d.uri, libUri);
    assert.deepStrictEqual(d.range.start, positionOf(libText, 'add'));
  });
  await check('definition of module.member and of a method of a known class', async () => {
    const m = await connection.sendRequest(P.DefinitionRequest.type, at(mainUri, positionOf(mainText, 'lib.add', 0, 4)));
    assert.strictEqual(m.uri, libUri);
    assert.deepStrictEqual(m.range.start, positionOf(libText, 'add'));
    const n = await connection.sendRequest(P.DefinitionRequest.type, at(mainUri, positionOf(mainText, 'norm')));
    assert.strictEqual(n.uri, libUri);
    assert.deepStrictEqual(n.range.start, positionOf(libText, 'norm'));
  });
  await check('definition of a local', async () => {
    const d = await connection.sendRequest(P.DefinitionRequest.type, at(mainUri, positionOf(mainText, 'sum', 3)));
    assert.strictEqual(d.uri, mainUri);
    assert.deepStrictEqual(d.range.start, positionOf(mainText, 'sum'));
  });

  await check('references of a function reach the files that import it', async () => {
    const refs = await connection.sendRequest(P.ReferencesRequest.type, {
      ...at(libUri, positionOf(libText, 'add')), context: { includeDeclaration: true } });
    const where = refs.map((r) => `${path.basename(new URL(r.uri).pathname)}:${r.range.start.line}:${r.range.start.character}`).sort();
    const expect = [
      `lib.goost:${positionOf(libText, 'add').line}:${positionOf(libText, 'add').character}`,
      `main.goost:${positionOf(mainText, 'add').line}:${positionOf(mainText, 'add').character}`,
      `main.goost:${positionOf(mainText, 'add(sum').line}:${positionOf(mainText, 'add(sum').character}`,
      `main.goost:${positionOf(mainText, 'lib.add', 0, 4).line}:${positionOf(mainText, 'lib.add', 0, 4).character}`,
    ].sort();
    assert.deepStrictEqual(where, expect);
  });
  await check('references of a field', async () => {
    const refs = await connection.sendRequest(P.ReferencesRequest.type, {
      ...at(libUri, positionOf(libText, 'self.x', 0, 5)), context: { includeDeclaration: true } });
    // twice in norm, `self.x = self.x + dx` (the declaration and a use), `Point{x: 0, …}`
    assert.strictEqual(refs.length, 5, JSON.stringify(refs));
  });

  const labels = (r) => (Array.isArray(r) ? r : r.items).map((i) => i.label);
  await check('completion after a standard module', async () => {
    const text = mainText + 'strings.';
    await connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: mainUri, version: 4 }, contentChanges: [{ text }] });
    const items = labels(await connection.sendRequest(P.CompletionRequest.type, at(mainUri, positionOf(text, 'strings.', 1, 8))));
    assert.ok(items.includes('upper') && items.includes('split'), items.join(' '));
  });
  await check('completion after an imported file and after an object of a known class', async () => {
    const text = mainText + 'lib.\np.\n';
    await connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: mainUri, version: 5 }, contentChanges: [{ text }] });
    const lib = labels(await connection.sendRequest(P.CompletionRequest.type, at(mainUri, positionOf(text, 'lib.\n', 0, 4))));
    assert.deepStrictEqual(lib.sort(), ['Point', 'VERSION', 'add', 'origin']);
    const p = labels(await connection.sendRequest(P.CompletionRequest.type, at(mainUri, positionOf(text, 'p.\n', 0, 2))));
    assert.deepStrictEqual(p.sort(), ['moveBy', 'norm', 'x', 'y']);
  });
  await check('completion in a function body: locals, globals, builtins, keywords', async () => {
    const items = labels(await connection.sendRequest(P.CompletionRequest.type, at(mainUri, positionOf(mainText, 'return sum'))));
    for (const want of ['sum', 'items', 'total', 'add', 'strings', 'p', 'println', 'while'])
      assert.ok(items.includes(want), want);
    assert.ok(!items.includes('item'), 'the loop variable is out of scope after the loop');
  });
  await connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
    textDocument: { uri: mainUri, version: 6 }, contentChanges: [{ text: mainText }] });

  await check('document symbols', async () => {
    const syms = await connection.sendRequest(P.DocumentSymbolRequest.type, doc(libUri));
    const point = syms.find((s) => s.name === 'Point');
    assert.ok(point && point.kind === P.SymbolKind.Class);
    assert.deepStrictEqual(point.children.map((c) => c.name).sort(), ['moveBy', 'norm', 'x', 'y']);
    assert.ok(syms.find((s) => s.name === 'add' && s.kind === P.SymbolKind.Function));
  });

  await check('formatting rewrites in the canonical style', async () => {
    const uri = pathToFileURL(path.join(project, 'unformatted.goost')).href;
    await nextDiagnostics(uri, () => connection.sendNotification(P.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'langoost', version: 1, text: 'fn  f( a,b ){\nreturn a+b\n}\n' } }));
    const edits = await connection.sendRequest(P.DocumentFormattingRequest.type, {
      ...doc(uri), options: { tabSize: 4, insertSpaces: true } });
    assert.strictEqual(edits.length, 1);
    assert.strictEqual(edits[0].newText, 'fn f(a, b) {\n    return a + b\n}\n');
  });

  await check('rename of a local edits its declaration and every use', async () => {
    const r = await connection.sendRequest(P.RenameRequest.type, { ...at(mainUri, positionOf(mainText, 'sum', 1)), newName: 'acc' });
    const edits = r.changes[mainUri];
    assert.strictEqual(edits.length, 4);
    assert.ok(edits.every((e) => e.newText === 'acc'));
  });
  await check('rename refuses a global and a bad name', async () => {
    await assert.rejects(connection.sendRequest(P.RenameRequest.type, { ...at(mainUri, positionOf(mainText, 'total')), newName: 'x' }));
    await assert.rejects(connection.sendRequest(P.RenameRequest.type, { ...at(mainUri, positionOf(mainText, 'sum')), newName: 'while' }));
  });

  await check('shutdown and exit end the server with status 0', async () => {
    await connection.sendRequest(P.ShutdownRequest.type);
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    connection.sendNotification(P.ExitNotification.type);
    assert.strictEqual(await exited, 0);
  });
  connection.dispose();
  console.log(failures ? `${failures} failed` : 'all passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
setTimeout(() => { console.error('FAIL: timed out'); process.exit(1); }, 60000).unref();
