// `npm run stacks -- [options]` (--help; docs/operations.md, "Many tenants"): the stacks a pipeline
// runs, one name a line, or with --json { stacks, excluded } for a job matrix
// (`npm run -s stacks -- --json | jq -c .stacks`). Exit 0; 64 a bad command line; 78 a folder or
// --changed-files file that cannot be read.
import { readdirSync, readFileSync } from "node:fs";
import { stringValue } from "../../cli/args";
import { InputError } from "../../cli/errors";
import { EXIT } from "../../cli/exit-codes";
import { runAsMain, runTool, type ToolIO } from "../../cli/run";
import { printable } from "../../cli/terminal";
import { affectedStacks, deployableStacks, NOT_DEPLOYED } from "./list";
import { STACKS_SCHEMA, STACKS_SPEC } from "./spec";

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

export function runStacks(argv: readonly string[], io: ToolIO, cwd = process.cwd()): Promise<number> {
  return runTool({ spec: STACKS_SPEC, schema: () => STACKS_SCHEMA }, argv, io, async (inv) => {
    const dir = stringValue(inv.values, "dir") ?? cwd;
    const changedFile = stringValue(inv.values, "changed-files");
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new InputError(
        `Listing the stacks: cannot read the folder ${printable(dir)} (${reason(err)}); --dir names the project folder, where Pulumi.yaml is`,
      );
    }
    let stacks = deployableStacks(names);
    if (changedFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(changedFile, "utf8");
      } catch (err) {
        throw new InputError(
          `Reading --changed-files ${printable(changedFile)}: ${reason(err)}; give a file listing changed paths, one a line (git diff --name-only)`,
        );
      }
      stacks = affectedStacks(stacks, text.split(/\r?\n/));
    }
    if (!inv.json) io.stdout(stacks.map((s) => `${s}\n`).join(""));
    return { exitCode: EXIT.ok, body: { stacks, excluded: [...NOT_DEPLOYED] } };
  });
}

if (require.main === module) runAsMain((argv, io) => runStacks(argv, io));
