// The real CLI loads the program as CommonJS through ts-node (package.json has no "type": "module";
// @pulumi/pulumi cmd/run/run.js require()s `main` and calls it when it is a function). Check that
// loading index.ts that way works and yields the program function, outside vitest's own loader.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

it("index.ts loads as a CommonJS module under ts-node and exports the program function", () => {
  const root = join(__dirname, "..");
  const out = execFileSync(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "-e",
      'const p = require("./index.ts"); process.stdout.write(JSON.stringify({ type: typeof p, keys: Object.keys(p) }))',
    ],
    { cwd: root, env: { ...process.env, TS_NODE_PROJECT: join(root, "tsconfig.json") }, encoding: "utf8" },
  );
  expect(JSON.parse(out)).toEqual({ type: "function", keys: [] });
}, 60_000);
