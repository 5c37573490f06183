// Loaded first by the stored entry point (scripts/exchange/cli.ts): when this checkout's
// dependencies are not installed, it says so and ends the process with exit 78 before anything
// else loads (./installed.cjs). A stored `npx --no tsx …` string that found a tsx outside the
// project still gets this check, so a skipped `npm ci` is never a silent success.
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
const { missingInstall } = require("./installed.cjs");

const missing = missingInstall();
if (missing) {
  process.stderr.write(`exo-oauth exchange: ${missing}\n`);
  process.exit(78); // EXIT.input (scripts/cli/exit-codes.ts)
}
