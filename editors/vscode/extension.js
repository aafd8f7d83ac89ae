// Starts `langoost lsp` (the binary named by the `langoost.path` setting,
// default `langoost` on PATH) for .goost files through VS Code's language
// client, and `langoost debug` (the same binary) for debug sessions of type
// "langoost": the launch request then names the program.
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('langoost').get('path') || 'langoost';
  const server = { command, args: ['lsp'] };
  client = new LanguageClient('langoost', 'Langoost', { run: server, debug: server }, {
    documentSelector: [{ scheme: 'file', language: 'langoost' }],
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory('langoost', {
    createDebugAdapterDescriptor() {
      const binary = vscode.workspace.getConfiguration('langoost').get('path') || 'langoost';
      return new vscode.DebugAdapterExecutable(binary, ['debug']);
    },
  }));
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
