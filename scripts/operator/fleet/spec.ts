// `npm run fleet -- <command> [--stacks <glob>] [--parallel N] [--json] [--dir <folder>] [--env-dir <folder>]`.
import type { ToolSpec } from "../../cli/args";
import { schemaName } from "../../cli/json";
import type { FleetCommand } from "./orchestrate";

export const DEFAULT_PARALLEL = 4;
export const MAX_PARALLEL = 64;

const COMMANDS: Record<FleetCommand, string> = {
  preview: "pulumi preview for each stack (Automation API); changes pending exit 2",
  up: "pulumi up for each stack (Automation API)",
  refresh: "pulumi refresh for each stack (Automation API)",
  plan: "npm run exchange -- plan --stack <s> for each stack; drift exits 2",
  verify: "npm run verify -- --stack <s> for each stack",
  "check-expiry": "npm run check-expiry -- --stack <s> for each stack",
};

export const FLEET_SPEC: ToolSpec = {
  invocation: "npm run fleet --",
  summary:
    "Runs one command for many stacks (one tenant each), N at a time, each in its own process; a failing\n" +
    "stack never stops the others; ends with a summary table. Ctrl-C cancels cleanly: no stack is started\n" +
    "any more and the running updates are cancelled (none is left locked).",
  options: {
    stacks: {
      type: "string",
      value: "<glob>",
      description:
        "the stacks whose name matches (default *: every Pulumi.<stack>.yaml but the example and demo)",
    },
    parallel: {
      type: "string",
      value: "<n>",
      description: `stacks at once (default ${DEFAULT_PARALLEL}, 1..${MAX_PARALLEL})`,
    },
    dir: { type: "string", value: "<folder>", description: "the project folder (default: the current one)" },
    "env-dir": {
      type: "string",
      value: "<folder>",
      description: "each stack's own variables from <folder>/<stack>.env (its tenant's ARM_* credentials)",
    },
    json: { type: "boolean", description: 'one JSON document on stdout (docs/operations.md, "JSON output")' },
  },
  commands: Object.fromEntries(Object.entries(COMMANDS).map(([n, summary]) => [n, { summary }])),
  details:
    "Progress goes to stderr, one line per event, prefixed with the stack's name; the table to stdout.\n" +
    "Exit 0 when every stack succeeded, 2 when none failed and some have changes pending (preview, plan),\n" +
    "1 when any failed or was cancelled.",
  exitCodes: ["ok", "error", "changes", "usage", "input"],
};

export const fleetSchema = (command: string | undefined) => schemaName(`fleet-${command ?? "run"}`, 1);
