// @ts-check
// The dsplang extension: starts `dsp lsp` over stdio with vscode-languageclient and restarts it
// when the server settings change.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { serverCommand, notFoundMessage } = require("./server");
const { detectLanguage } = require("./detect");

/** @type {LanguageClient | undefined} */
let client;

function readSettings() {
  const config = vscode.workspace.getConfiguration("dsplang");
  return {
    path: config.get("server.path", "dsp"),
    args: config.get("server.args", ["lsp"]),
    env: config.get("server.env", {}),
  };
}

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

async function start(context) {
  const settings = readSettings();
  const run = serverCommand(settings, { workspaceFolder: workspaceFolder() });
  const executable = { command: run.command, args: run.args, options: run.options, transport: TransportKind.stdio };
  client = new LanguageClient(
    "dsplang",
    "dsplang language server",
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: "file", language: "dsp" },
        { scheme: "untitled", language: "dsp" },
      ],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.dsp") },
    },
  );
  try {
    await client.start();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    vscode.window.showErrorMessage(`${notFoundMessage(run.command)} (${detail})`);
    client = undefined;
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

/**
 * Give a `.dsp` document the language its text is in: VS Code decides by extension alone (its
 * `firstLine` rule only applies to files whose name matched nothing), and Faust and Microsoft
 * Developer Studio projects use `.dsp` too.
 * @param {vscode.TextDocument} document
 */
async function fixLanguage(document) {
  if (!document.fileName.toLowerCase().endsWith(".dsp")) {
    return;
  }
  if (!vscode.workspace.getConfiguration("dsplang").get("detectContent", true)) {
    return;
  }
  const found = detectLanguage(document.getText());
  const known = await vscode.languages.getLanguages();
  if (document.languageId === "dsp" && found === "faust" && known.includes("faust")) {
    await vscode.languages.setTextDocumentLanguage(document, "faust");
  } else if (document.languageId === "dsp" && found === "msdev") {
    await vscode.languages.setTextDocumentLanguage(document, "plaintext");
  } else if (document.languageId !== "dsp" && found === "dsplang") {
    await vscode.languages.setTextDocumentLanguage(document, "dsp");
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(fixLanguage));
  await Promise.all(vscode.workspace.textDocuments.map(fixLanguage));
  context.subscriptions.push(
    vscode.commands.registerCommand("dsplang.restartServer", async () => {
      await stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("dsplang.server")) {
        await stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
