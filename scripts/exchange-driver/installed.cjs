// Whether this checkout's dependencies are installed (`npm ci` ran): the entry points check it
// before loading anything, so a checkout without node_modules fails with a clear message instead
// of Node resolving a package from some parent folder's node_modules (docs/security.md, "Planted
// binaries"). Plain CommonJS, no dependencies.
/* global require, __dirname, module */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
const { existsSync } = require("node:fs");
const { join, resolve } = require("node:path");

/** The checkout: two folders up from scripts/exchange-driver/. */
const PROJECT_ROOT = resolve(__dirname, "..", "..");

/** What `npm ci` leaves that the driver needs, relative to the project root. */
const REQUIRED = [
  join("node_modules", ".package-lock.json"),
  join("node_modules", "tsx", "dist", "cjs", "api", "index.cjs"),
];

/**
 * undefined when the dependencies are installed in `root`; else the message to print: what is
 * missing, where, and what to run. Nothing in Exchange was touched when it is printed.
 */
function missingInstall(root = PROJECT_ROOT) {
  const absent = REQUIRED.filter((p) => !existsSync(join(root, p)));
  if (absent.length === 0) return undefined;
  return (
    `this checkout's dependencies are not installed (${absent.join(", ")} missing in ${root}): ` +
    `run \`npm ci\` there, then run again. Nothing was changed in Exchange.`
  );
}

module.exports = { missingInstall, PROJECT_ROOT, REQUIRED };
