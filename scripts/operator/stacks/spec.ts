// `npm run stacks -- [--json] [--dir <folder>] [--changed-files <file>]`: the command line, for the
// kit's parser and help (scripts/cli/args.ts).
import type { ToolSpec } from "../../cli/args";
import { schemaName } from "../../cli/json";
import { NOT_DEPLOYED, PROGRAM_PATHS } from "./list";

export const STACKS_SPEC: ToolSpec = {
  invocation: "npm run stacks --",
  summary:
    `Lists the project's stacks: one per Pulumi.<stack>.yaml, except ${NOT_DEPLOYED.map((s) => `Pulumi.${s}.yaml`).join(" and ")}\n` +
    "(never deployed). A pipeline builds its matrix from `--json`'s `stacks`.",
  options: {
    dir: { type: "string", value: "<folder>", description: "the project folder (default: the current one)" },
    "changed-files": {
      type: "string",
      value: "<file>",
      description: "only the stacks a change affects; the file lists changed paths, one a line",
    },
    json: { type: "boolean", description: 'one JSON document on stdout (docs/operations.md, "JSON output")' },
  },
  details:
    "With --changed-files (what `git diff --name-only origin/main...HEAD` prints, paths relative to the\n" +
    "project folder): a stack whose Pulumi.<stack>.yaml changed, or every stack when one of these changed:\n" +
    `${PROGRAM_PATHS.join(", ")}.`,
  exitCodes: ["ok", "usage", "input"],
};

/** The --json document's schema: { stacks: string[], excluded: string[] }. */
export const STACKS_SCHEMA = schemaName("stacks", 1);
