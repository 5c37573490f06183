// The ONE exit-code table of every exo-oauth tool (npm run exchange, verify, bench:exchange,
// bench:pwsh, bench:reliability, demo, offline-tenant), documented in docs/operations.md
// ("Exit codes") and linked from the README.
// 0/1/2 follow Terraform's `plan -detailed-exitcode` (0 success with no changes, 1 error, 2
// success with changes); the command-line and input errors take the BSD sysexits codes
// (sysexits.h: EX_USAGE 64, EX_CONFIG 78), so a pipeline tells "drift found" from "the job is
// misconfigured" without reading the output. A code is never reused for another meaning.

export const EXIT = {
  /** Success, nothing to change: plan in sync, apply/remove done, every login passed. */
  ok: 0,
  /** The run failed: Exchange, the PowerShell session, the token, a login, a benchmark run. */
  error: 1,
  /** Success, with changes pending: `plan` found drift (apply would change it). */
  changes: 2,
  /**
   * `exchange plan`: a configured protocol is blocked for a mailbox or the tenant by a switch
   * (scripts/exchange-driver/switches.ts); outranks drift, since apply cannot change a switch.
   */
  blocked: 3,
  /** The command line is wrong (sysexits EX_USAGE): unknown option or subcommand, a missing or bad value. Nothing ran. */
  usage: 64,
  /**
   * The inputs outside the command line are missing or invalid (sysexits EX_CONFIG): environment
   * variables, the stack's config or outputs, the pulumi CLI missing or not logged in, a file an
   * option names. Nothing was touched.
   */
  input: 78,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/**
 * A long-running tool (`npm run demo`, `offline-tenant serve` before it serves) stopped by a signal
 * exits 128 + the signal's number, as a shell reports a process the signal killed, after stopping
 * what it started. Not in the table above: no tool chooses these, the user's signal does.
 */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

/** One row of the table as the docs print it. */
export interface ExitCodeRow {
  code: ExitCode;
  name: ExitName;
  meaning: string;
}

/** The table, in code order (docs/operations.md, "Exit codes" prints exactly these rows). */
export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = [
  { code: 0, name: "ok", meaning: "success, nothing to change (plan: in sync; verify: every login passed)" },
  {
    code: 1,
    name: "error",
    meaning: "the run failed (Exchange, PowerShell, the token, a login, a benchmark run)",
  },
  { code: 2, name: "changes", meaning: "success with changes pending (plan: drift found)" },
  {
    code: 3,
    name: "blocked",
    meaning: "plan: a configured protocol is blocked by a switch (outranks drift: a person must act)",
  },
  {
    code: 64,
    name: "usage",
    meaning: "the command line is wrong: unknown option or subcommand, missing or bad value; nothing ran",
  },
  {
    code: 78,
    name: "input",
    meaning:
      "an input is missing or invalid: environment variables, the stack (config, outputs, the pulumi CLI), a file an option names; nothing was touched",
  },
];

/** The lines `--help` ends with: the codes this tool returns. */
export function exitCodeHelp(names: readonly ExitName[]): string {
  const rows = EXIT_CODE_TABLE.filter((r) => names.includes(r.name));
  const width = Math.max(...rows.map((r) => String(r.code).length));
  return [
    'Exit codes (docs/operations.md, "Exit codes"):',
    ...rows.map((r) => `  ${String(r.code).padStart(width)}  ${r.meaning}`),
  ].join("\n");
}
