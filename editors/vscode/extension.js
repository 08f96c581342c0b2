// Starts `csdl lsp` (stdio) for .csdl files. Everything else — diagnostics, hover, cost lenses,
// completion, quick fixes, formatting — is the server's.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("csdl");
  const [command, ...args] = config.get("server.command", ["csdl", "lsp"]);
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "csdl" },
      { scheme: "untitled", language: "csdl" },
    ],
    initializationOptions: {
      debounce: config.get("debounce", 0),
      ruleUrl: config.get("ruleUrl", "") || undefined,
      checkWorkspace: config.get("checkWorkspace", true),
    },
  };
  client = new LanguageClient("csdl", "CSDL language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
