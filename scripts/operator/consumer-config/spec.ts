// `npm run consumer-config -- --format <…> [--stack s] [--include-secret] [--out <file>|-]`.
import type { ToolSpec } from "../../cli/args";
import { schemaName } from "../../cli/json";
import { FORMATS } from "./formats";

export const CONSUMER_CONFIG_SPEC: ToolSpec = {
  invocation: "npm run consumer-config --",
  summary:
    "Writes what a consuming mail app needs: tenant, client id, token endpoint, scope, IMAP/POP/SMTP hosts and\n" +
    "ports, the mailboxes and their protocols; the client secret only with --include-secret.",
  options: {
    format: {
      type: "string",
      value: `<${FORMATS.join("|")}>`,
      description: "the output's format (required)",
    },
    stack: { type: "string", value: "<name>", description: "the stack (default: the selected stack)" },
    "include-secret": {
      type: "boolean",
      description:
        "include the client secret; then --out <file> (created 0600) or --out - (stdout) is required",
    },
    out: {
      type: "string",
      value: "<file|->",
      description: "write to this file, created with mode 0600 (default: stdout); - is stdout",
    },
  },
  details:
    "Reads the stack's outputs (pulumi stack output --json; --show-secrets only with --include-secret).\n" +
    "Servers: IMAP outlook.office365.com:993 (TLS), POP outlook.office365.com:995 (TLS), SMTP\n" +
    'smtp.office365.com:587 (STARTTLS) (docs/microsoft-contract.md, "Endpoints"). Re-run after each\n' +
    "rotation (nextRotationAt): the secret changes.",
  exitCodes: ["ok", "usage", "input"],
};

export const CONSUMER_CONFIG_SCHEMA = schemaName("consumer-config", 1);
