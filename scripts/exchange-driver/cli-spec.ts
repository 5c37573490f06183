// The Exchange driver's command line, declared once for the kit's parser and help
// (scripts/cli/args.ts): its four commands, their options, and the environment contract
// (components/exchange-step/environment.ts) that `--help` prints.
import { DRIVER_ENV, environmentTable } from "../../components/exchange-step/environment";
import type { ToolSpec } from "../cli/args";
import { schemaName } from "../cli/json";

export const INVOCATION = "npm run exchange --";

/** The --json document each command prints (failures carry the same schema). */
export const DRIVER_SCHEMAS = {
  apply: schemaName("exchange-apply", 1),
  remove: schemaName("exchange-remove", 1),
  plan: schemaName("exchange-plan", 2),
  runbook: schemaName("exchange-runbook", 1),
  /** No command could be read from the command line. */
  none: schemaName("exchange", 1),
} as const;

export type DriverCommand = Exclude<keyof typeof DRIVER_SCHEMAS, "none">;

/** The overrides a hand run may set next to --stack: where this machine's PowerShell is, and its patience. */
export const HAND_RUN_OVERRIDES = ["pwsh", "retryDeadlineSeconds"] as const;

/** The contract's table as --help prints it: name, when it is read, what it is, where it comes from. */
export function environmentHelp(): string {
  const rows = environmentTable().map((v) => {
    const when = v.modes ? `${v.modes.join("/")} only; ` : "";
    const need = v.default === undefined ? "required" : `default: ${v.default}`;
    return [v.name, `${v.meaning}${v.secret ? " (secret)" : ""}`, `${when}${need}; from ${v.source}`];
  });
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows
    .flatMap(([name, meaning, source]) => [
      `  ${name.padEnd(width)}  ${meaning}`,
      `  ${"".padEnd(width)}  ${source}`,
    ])
    .join("\n");
}

const STACK_TEXT =
  "With --stack <name> everything is read from that stack through the pulumi CLI (pulumi config --stack <name>\n" +
  "--json --show-secrets, pulumi stack output --stack <name> --json --show-secrets) and the driver gets exactly\n" +
  "the environment the Exchange Command gets: the desired state as the last `pulumi up` deployed it, the\n" +
  "connection from the stack config, the record from the exchangeRecord output. With connection accessToken,\n" +
  `the token is read from the variable exo-oauth:exchange.accessTokenEnv names, in your environment. ` +
  `${DRIVER_ENV.pwsh} and\n${DRIVER_ENV.retryDeadlineSeconds}, when set, override the stack's pwsh and retryDeadlineSeconds ` +
  "(this machine's PowerShell).";

const ENV_TEXT = () =>
  "Without --stack, the desired state and the connection come from these environment variables, the\n" +
  'contract the Exchange Command hands the driver (docs/exchange-step.md, "Environment"):\n' +
  environmentHelp();

const EXAMPLE =
  'Example (docs/operations.md, "Run the Exchange step by hand"):\n' +
  `  ${INVOCATION} plan --stack contoso            # drift: exit 0 in sync, 2 drift\n` +
  `  ${INVOCATION} plan --stack contoso --scan     # and every mailbox the app can open\n` +
  `  ${INVOCATION} apply --stack contoso           # repair it\n` +
  `  ${INVOCATION} remove --stack contoso          # revoke what the record lists`;

const details = (what: string) => `${what}\n\n${STACK_TEXT}\n\n${ENV_TEXT()}\n\n${EXAMPLE}`;

export const DRIVER_SPEC: ToolSpec = {
  invocation: INVOCATION,
  summary:
    "The Exchange Online step of exo-oauth: reconcile the service principal and the mailbox grants, by hand or as the Command.",
  options: {
    stack: {
      type: "string",
      value: "<name>",
      description: "read the desired state, the connection and the record from this Pulumi stack",
    },
    record: {
      type: "string",
      value: "<file>",
      description:
        "the previous record (pulumi stack output exchangeRecord --json > file); default: the stack's, or $PULUMI_COMMAND_STDOUT",
    },
    full: {
      type: "boolean",
      description:
        "apply: read every desired and recorded mailbox (the drift read plan does), not only those that differ from the record",
    },
    json: {
      type: "boolean",
      description: 'print one JSON document on stdout (docs/operations.md, "JSON output")',
    },
    "force-without-record": {
      type: "boolean",
      description:
        "remove: delete what the environment names although no record or stack proves it is this stack's (see remove --help)",
    },
  },
  commands: {
    apply: {
      summary: "reconcile Exchange with the desired state; prints the record of what it manages",
      details: details(
        "Registers the service principal, grants FullAccess (and SendAs where asked) on each mailbox, revokes what the\n" +
          "record lists for mailboxes that left the config, reads every change back, and prints the new record on stdout.\n" +
          "With a previous record it reads only the service principal and the mailboxes whose desired state differs from\n" +
          "the record (what the Command's update needs); --full reads every mailbox, as plan does.",
      ),
      exitCodes: ["ok", "error", "usage", "input"],
    },
    remove: {
      summary: "revoke what the previous record lists, then remove the service principal",
      details: details(
        "Revokes what the record lists and Exchange still shows (without a record: what EXO_OAUTH_MAILBOXES lists), then\n" +
          "removes the service principal. Grants someone else made are left alone. By hand without a record (no --record,\n" +
          "no --stack, no $PULUMI_COMMAND_STDOUT) nothing proves the ids are this stack's: it says what it would delete and\n" +
          "stops (exit 78) unless --force-without-record is given.",
      ),
      exitCodes: ["ok", "error", "usage", "input"],
    },
    plan: {
      summary: "read-only: what an apply would change (exit 0 in sync, 2 drift)",
      options: {
        scan: {
          type: "boolean",
          description:
            "also read EVERY mailbox of the tenant and list each one where the app holds FullAccess or SendAs (M + 2 cmdlets)",
        },
      },
      details: details(
        "Connects, reads what Exchange holds for the application and the configured mailboxes, and prints what an apply\n" +
          "would change. Changes nothing.\n\n" +
          "Its limit: plan reads only the mailboxes the config and the record name. A grant to the application on any\n" +
          'other mailbox (one an admin added by hand) is not seen: plan still says "In sync". For a security review\n' +
          '("which mailboxes can this app open?") add --scan.\n\n' +
          "--scan: one read-only pass over the tenant's mailboxes after the plan. It lists every mailbox where the\n" +
          "application's service principal holds FullAccess or SendAs; each right the config does not ask for is a\n" +
          "warning naming the mailbox, the right, whether apply revokes it (recorded by this stack) or leaves it alone\n" +
          "(granted outside this stack), and the Remove-MailboxPermission / Remove-RecipientPermission command that revokes\n" +
          "it by hand. Cost: M + 2 cmdlets for M mailboxes in the tenant (Get-Mailbox -ResultSize Unlimited, one\n" +
          "Get-RecipientPermission -Trustee for SendAs, one Get-MailboxPermission per mailbox): about 5 minutes per 1,000\n" +
          "mailboxes at the bench's 300 ms per read, 2 to 12 minutes at the 100-700 ms measured on one tenant\n" +
          '(docs/development.md, "Benchmarks"). Progress every tenth of the pass on stderr. The exit code stays the\n' +
          "plan's: what the scan finds never counts as drift.",
      ),
      exitCodes: ["ok", "error", "changes", "blocked", "usage", "input"],
    },
    runbook: {
      summary: "print the PowerShell an admin would run by hand (no connection, no secret)",
      details: details(
        "Prints the PowerShell for an Exchange admin: connect, register, grant, with a read before every change, and\n" +
          "the revocations for mailboxes the record lists but the config no longer does. Needs no connection settings.",
      ),
      exitCodes: ["ok", "usage", "input"],
    },
  },
  details:
    `Desired state and connection: the environment the Exchange Command gets (\`${INVOCATION} <command> --help\`\n` +
    "lists it), or everything from a stack with --stack <name>. stdout carries only the record, the plan or the\n" +
    "runbook (or the --json document); progress goes to stderr.",
  exitCodes: ["ok", "error", "changes", "blocked", "usage", "input"],
};
