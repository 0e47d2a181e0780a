// @ts-check
// How the extension starts the language server: a pure function of the settings, so that it
// runs (and is tested) on plain Node without VS Code.
"use strict";

const path = require("path");

/**
 * @typedef {{ path?: string, args?: string[], env?: Record<string, string> }} ServerSettings
 * @typedef {{ command: string, args: string[], options: { env: Record<string, string | undefined>, cwd?: string } }} ServerCommand
 */

/**
 * The command that runs `dsp lsp` over stdio.
 *
 * `settings.path` is the `dsp` executable (a name looked up on PATH, or a path; `~` is the home
 * folder and a relative path is taken from `workspaceFolder`); `settings.args` replaces the
 * default `["lsp"]`; `settings.env` adds environment variables for the server.
 *
 * @param {ServerSettings} settings
 * @param {{ env?: Record<string, string | undefined>, home?: string, workspaceFolder?: string }} [context]
 * @returns {ServerCommand}
 */
function serverCommand(settings, context = {}) {
  const env = { ...(context.env ?? process.env), ...(settings.env ?? {}) };
  let command = (settings.path ?? "").trim() || "dsp";
  if (command === "~" || command.startsWith("~/")) {
    command = path.join(context.home ?? require("os").homedir(), command.slice(1));
  } else if (command.includes("/") || command.includes("\\")) {
    if (!path.isAbsolute(command) && context.workspaceFolder) {
      command = path.resolve(context.workspaceFolder, command);
    }
  }
  const args = Array.isArray(settings.args) && settings.args.length > 0 ? settings.args.map(String) : ["lsp"];
  return { command, args, options: { env, cwd: context.workspaceFolder } };
}

/** The message shown when the server cannot be started. */
function notFoundMessage(command) {
  return (
    `dsplang: cannot start the language server "${command}". Install dsplang ` +
    "(pip install dsplang) or set \"dsplang.server.path\" to the dsp executable."
  );
}

module.exports = { serverCommand, notFoundMessage };
