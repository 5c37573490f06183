// The Exchange step's entry point for new stacks: the Command runs
//   node ./scripts/exchange-driver/run.cjs apply      (create/update)
//   node ./scripts/exchange-driver/run.cjs remove     (delete)
// in the project root (components/exchange-step/entry-points.ts). Unlike `npx --no tsx …`, nothing
// here is looked up on PATH or in a parent folder's node_modules (docs/security.md, "Planted
// binaries"): tsx is loaded by its absolute path inside THIS checkout, and when `npm ci` was not
// run the step fails with exit 78 and says so, never runs some other tsx and "succeeds".
// Plain CommonJS: it must run before any TypeScript loader exists.
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
const { join } = require("node:path");
const { missingInstall, PROJECT_ROOT } = require("./installed.cjs");

const missing = missingInstall(PROJECT_ROOT);
if (missing) {
  process.stderr.write(`exo-oauth exchange: ${missing}\n`);
  process.exitCode = 78; // EXIT.input (scripts/cli/exit-codes.ts): nothing was touched
} else {
  require(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cjs", "api", "index.cjs")).register();
  require(join(__dirname, "cli.ts")).main();
}
