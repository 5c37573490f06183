// `npm run check-expiry -- [--stack s] [--min-days N] [--max-overdue-days N] [--outputs-only] [--json]`:
// the command line, for the kit's parser and help (scripts/cli/args.ts).
import type { ToolSpec } from "../../cli/args";
import { schemaName } from "../../cli/json";

/** Days the published secret must still have (default). */
export const DEFAULT_MIN_DAYS = 30;
/** Days `nextRotationAt` may lie in the past before the schedule counts as stopped (default). */
export const DEFAULT_MAX_OVERDUE_DAYS = 2;

export const CHECK_EXPIRY_SPEC: ToolSpec = {
  invocation: "npm run check-expiry --",
  summary:
    "Fails when the client secret consumers use expires within --min-days, is not in the tenant, or the\n" +
    "rotation is overdue (no pulumi up succeeded since nextRotationAt): the alarm for a schedule that stopped.",
  options: {
    stack: { type: "string", value: "<name>", description: "the stack (default: the selected stack)" },
    "min-days": {
      type: "string",
      value: "<n>",
      description: `fail when the secret has fewer days left (default ${DEFAULT_MIN_DAYS})`,
    },
    "max-overdue-days": {
      type: "string",
      value: "<n>",
      description: `fail when nextRotationAt passed more than n days ago (default ${DEFAULT_MAX_OVERDUE_DAYS})`,
    },
    "outputs-only": {
      type: "boolean",
      description: "read only the stack's outputs, not the application's live credentials in Entra",
    },
    json: { type: "boolean", description: 'one JSON document on stdout (docs/operations.md, "JSON output")' },
  },
  details:
    "Reads the stack's outputs (pulumi stack output --json, no secret) and, unless --outputs-only, the\n" +
    "application's passwordCredentials from Microsoft Graph, signed in like the azuread provider (ARM_*\n" +
    "variables; Application.Read.All). A live read that cannot be made is reported and skipped, not failed.",
  exitCodes: ["ok", "error", "usage", "input"],
};

/** The --json document's schema. */
export const CHECK_EXPIRY_SCHEMA = schemaName("check-expiry", 1);
