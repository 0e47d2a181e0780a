// @ts-check
// Which language a `.dsp` file is written in: dsplang, Faust, or a Microsoft Developer Studio
// project. Three languages share the extension, so the extension looks at the first lines.
"use strict";

/** Lines read (at most) to decide. */
const HEAD_LINES = 60;

const MSDEV = /^# Microsoft Developer Studio (Project File|Generated Build File)/m;
const MSDEV_WEAK = /^(!IF\s+"\$\(CFG\)"|!MESSAGE |# PROP |# ADD (BASE )?(CPP|LINK32|RSC))/m;

// Faust: statements end with `;`, `process = ...;`, `import("stdfaust.lib");`, `declare name "x";`,
// and block-diagram operators (`<:`, `:>`, `~`).
const FAUST = [
  /^\s*process\s*(\([^)]*\))?\s*=/m,
  /^\s*(import|library)\s*\(\s*"[^"]*"\s*\)\s*;/m,
  /^\s*declare\s+[A-Za-z_][\w]*\s+"[^"]*"\s*;/m,
  /(<:|:>)/,
];

// dsplang: Python-like declarations with a `:` or `=` where Faust has `;`.
const DSPLANG = [
  /^\s*signature\s+[A-Za-z_]\w*\s*(:|=\s*["'])/m,
  /^\s*module\s+[A-Za-z_]\w*\s*(\(.*\))?\s*:/m,
  /^\s*(input|output)\s+[A-Za-z_]\w*\s*(:|"|$)/m,
  /^\s*let\s+[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*\s*(:[^=]*)?=/m,
  /^\s*use\s+(LM|BM25|Embeddings)\s*\(/m,
  /^\s*compile\s+[A-Za-z_]\w*\s*=.*\bwith\b/m,
  /^\s*import\s+"[^"]*\.dsp"/m,
  /^\s*(def|for|if|while|with)\b.*:\s*(#.*)?$/m,
  /^\s*(enum|type)\s+[A-Za-z_]\w*\s*:/m,
  /\b(Predict|ChainOfThought|ReAct|BootstrapFewShot|MIPROv2)\s*\(/,
];

/**
 * The language of a `.dsp` file from its text: "dsplang", "faust", "msdev" or "unknown".
 * @param {string} text
 * @returns {"dsplang" | "faust" | "msdev" | "unknown"}
 */
function detectLanguage(text) {
  const head = text.split(/\r?\n/, HEAD_LINES).join("\n");
  if (MSDEV.test(head) || MSDEV_WEAK.test(head)) {
    return "msdev";
  }
  if (/^#!.*\bdsp\b/.test(head)) {
    return "dsplang";
  }
  const faust = FAUST.filter((pattern) => pattern.test(head)).length;
  const dsplang = DSPLANG.filter((pattern) => pattern.test(head)).length;
  // Faust lines end in `;`; dsplang lines never need one.
  const semicolons = head.split("\n").filter((line) => /;\s*(\/\/.*)?$/.test(line)).length;
  if (faust > 0 && faust + (semicolons > 0 ? 1 : 0) > dsplang) {
    return "faust";
  }
  if (dsplang > 0) {
    return "dsplang";
  }
  return semicolons > 0 ? "faust" : "unknown";
}

module.exports = { detectLanguage, HEAD_LINES };
