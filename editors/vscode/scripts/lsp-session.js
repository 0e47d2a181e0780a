#!/usr/bin/env node
// @ts-check
// One LSP session with `dsp lsp`, driven by the client library VS Code's language client is built
// on (vscode-languageserver-protocol / vscode-jsonrpc), with the server command the extension
// would use. Prints a JSON report; used by tests/editors/test_vscode_client.py.
//
//   node scripts/lsp-session.js FILE.dsp --hover LINE:COL [--settings '{"path": "dsp"}'] [--timeout 20000]
//
// Positions are 0-based (LSP's). Exit status 0 when the session ran, 1 on a protocol error or timeout.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const { pathToFileURL } = require("url");
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  PublishDiagnosticsNotification,
  HoverRequest,
  ShutdownRequest,
  ExitNotification,
} = require("vscode-languageserver-protocol/node");
const { serverCommand } = require("../src/server");

function parseArgs(argv) {
  const options = { file: "", hover: [], settings: {}, timeout: 20000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--hover") {
      options.hover.push(argv[++i].split(":").map(Number));
    } else if (arg === "--settings") {
      options.settings = JSON.parse(argv[++i]);
    } else if (arg === "--timeout") {
      options.timeout = Number(argv[++i]);
    } else {
      options.file = arg;
    }
  }
  if (!options.file) {
    throw new Error("usage: lsp-session.js FILE.dsp [--hover LINE:COL] [--settings JSON] [--timeout MS]");
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const file = path.resolve(options.file);
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, "utf8");
  const run = serverCommand(options.settings, { workspaceFolder: path.dirname(file) });
  const started = Date.now();
  const child = spawn(run.command, run.args, { env: run.options.env, cwd: run.options.cwd, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const spawned = new Promise((resolve, reject) => {
    child.on("spawn", resolve);
    child.on("error", reject);
  });
  const timer = setTimeout(() => {
    process.stderr.write(`timed out after ${options.timeout} ms\n${stderr}`);
    child.kill("SIGKILL");
    process.exit(1);
  }, options.timeout);
  await spawned;
  let finished = false;
  child.on("exit", (code, signal) => {
    if (!finished) {
      process.stderr.write(`the server exited early (status ${code}, signal ${signal}):\n${stderr}`);
      process.exit(1);
    }
  });

  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diagnostics = new Promise((resolve) => {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri) {
        resolve(params.diagnostics);
      }
    });
  });
  connection.listen();

  const init = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    clientInfo: { name: "dsplang-vscode-test" },
    rootUri: pathToFileURL(path.dirname(file)).href,
    workspaceFolders: [{ uri: pathToFileURL(path.dirname(file)).href, name: "workspace" }],
    capabilities: {
      textDocument: {
        hover: { contentFormat: ["markdown", "plaintext"] },
        publishDiagnostics: { relatedInformation: true },
        synchronization: { didSave: true },
      },
    },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  await connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: "dsp", version: 1, text },
  });
  const received = await diagnostics;
  const hovers = [];
  for (const [line, character] of options.hover) {
    hovers.push(await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } }));
  }
  finished = true;
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
  const exitCode = await new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
    } else {
      child.on("exit", (code) => resolve(code));
    }
  });
  clearTimeout(timer);
  connection.dispose();
  process.stdout.write(JSON.stringify({
    command: [run.command, ...run.args],
    capabilities: init.capabilities,
    serverInfo: init.serverInfo ?? null,
    diagnostics: received,
    hovers,
    exitCode,
    seconds: (Date.now() - started) / 1000,
  }, null, 2) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
