// The Exchange reconcile driver's command line:  npm run exchange -- <apply|remove|plan|runbook>
//   apply    reconcile Exchange with the desired state → print the record
//   remove   revoke what the previous record says we granted, remove the service principal
//   plan     read-only: print what differs; exit 0 in sync, 2 drift, 1 error
//   runbook  print the PowerShell an admin would run by hand (no connection, no secrets)
// Only arguments, output and exit codes live here; the engine is reconcile.ts. Desired state and
// connection come from the environment (components/exchange-step/codec.ts); the previous record
// from PULUMI_COMMAND_STDOUT (or `--record <file>` run by hand). stdout carries ONLY the record
// (apply/remove) or the report (plan/runbook); progress goes to stderr.
import { readFileSync } from "node:fs";
import { decodeDesiredState, decodeDriverEnvironment } from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { formatRecord, parseRecord } from "../../components/exchange-step/record";
import { renderRunbook } from "../../components/exchange-step/runbook";
import { RETRY_BASE_ENV, retryBaseFromEnv, startRunBudget, type Clock } from "./budget";
import { sign } from "./execute";
import { describeOperation } from "./plan";
import { applyDesiredState, planDrift, removeManagedState, type Drift, type ReconcileRun } from "./reconcile";
import { openExchangeSession, type ExchangeSession, type SessionCounters } from "./session";

export const EXIT = { ok: 0, error: 1, drift: 2 } as const;

export interface DriverIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The run's clock (default the system's); tests give a virtual one so waits cost nothing. */
  clock?: Clock;
}

export interface DriverRun {
  code: number;
  /** Cmdlet counters of the run's session, when one was opened. */
  counters?: SessionCounters;
}

const USAGE = `usage: npm run exchange -- <apply|remove|plan|runbook> [--record <file>] [--json]
  apply    reconcile Exchange with the desired state; prints the record of what it manages
  remove   revoke what the previous record lists, remove the service principal
  plan     read-only diff; exit 0 in sync, 2 drift, 1 error
  runbook  the PowerShell an admin would run by hand
Desired state and connection: environment variables, see docs/exchange-step.md ("Environment").`;

/**
 * Printed when an `apply` with no previous record fails: under Pulumi that is the Command's CREATE,
 * and a failed create stores no Command (docs/pulumi-lifecycle.md, "@pulumi/command 1.2.1"), so
 * neither `pulumi destroy` nor switching to manual runs a removal (docs/operations.md, "A failed first
 * Exchange step").
 */
export const FAILED_CREATE_ADVICE =
  "This was the Exchange step's first run for this stack (no previous record): Pulumi stores nothing for a " +
  "failed create, so `pulumi destroy` (or switching to connection manual) will NOT revoke what this run " +
  "granted before it failed. The next `pulumi up` retries and adopts those grants. To revoke them instead, " +
  "run from this checkout:\n  npm run exchange -- remove --stack <stack>\n(the stack `pulumi up` ran for; " +
  "it reads the stack's config and outputs, the environment this run had).\n";

export async function runDriver(argv: string[], io: DriverIO): Promise<DriverRun> {
  const [command, ...rest] = argv;
  const log = (line: string) => io.stderr(`exo-oauth exchange: ${line}\n`);
  if (command === "--help" || command === "-h" || command === "help") {
    io.stdout(`${USAGE}\n`);
    return { code: EXIT.ok };
  }
  let session: ExchangeSession | undefined;
  try {
    const flags = parseFlags(rest);
    const previous =
      flags.record !== undefined
        ? parseRecord(readRecordFile(flags.record), `--record ${flags.record}`)
        : parseRecord(io.env[DRIVER_ENV.previousStdout]);
    switch (command) {
      case "runbook": {
        const desired = decodeDesiredState(io.env);
        const organization = io.env[DRIVER_ENV.organization]?.trim() || "<tenant>.onmicrosoft.com";
        io.stdout(renderRunbook(desired, { organization, revoke: previous?.mailboxes }));
        return { code: EXIT.ok };
      }
      case "apply":
      case "remove":
      case "plan": {
        const settings = decodeDriverEnvironment(io.env);
        // ONE budget for the whole run: the session's retries and the read-after-write checks.
        const budget = startRunBudget({
          deadlineSeconds: settings.connection.retryDeadlineSeconds,
          clock: io.clock,
          baseDelayMs: retryBaseFromEnv(io.env[RETRY_BASE_ENV]),
        });
        session = await openExchangeSession({
          settings: settings.connection,
          env: io.env,
          budget,
          onEvent: (e) => {
            if (e.type === "connected") log(`connected to ${e.organization} in ${e.ms} ms`);
            if (e.type === "retry")
              log(
                `${e.cmdlet}${e.target ? ` on ${e.target}` : ""}: transient error, attempt ${e.attempt + 1} in ${e.delayMs} ms (${e.message})`,
              );
          },
        });
        const run: ReconcileRun = { session, settings, previous, budget, log };
        let code: number = EXIT.ok;
        if (command === "apply") io.stdout(formatRecord(await applyDesiredState(run)) + "\n");
        else if (command === "remove") io.stdout(formatRecord(await removeManagedState(run)) + "\n");
        else code = printDrift(await planDrift(run), settings.desired.mailboxes.length, io, flags.json);
        const counters = session.counters();
        await session.close();
        session = undefined;
        log(`done: ${summarize(counters)}`);
        return { code, counters };
      }
      default:
        io.stderr(`${command ? `unknown command ${JSON.stringify(command)}\n` : ""}${USAGE}\n`);
        return { code: EXIT.error };
    }
  } catch (err) {
    const counters = session?.counters();
    await session?.close().catch(() => undefined);
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (command === "apply" && !io.env[DRIVER_ENV.previousStdout] && !rest.includes("--record"))
      io.stderr(FAILED_CREATE_ADVICE);
    return { code: EXIT.error, counters };
  }
}

function readRecordFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(
      `Reading the record from --record ${file}: ${e.code ?? e.message} (write it with: pulumi stack output exchangeRecord --json > ${file})`,
    );
  }
}

function parseFlags(args: string[]): { record?: string; json: boolean } {
  const out: { record?: string; json: boolean } = { json: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--record" && args[i + 1]) out.record = args[++i];
    else if (args[i] === "--json") out.json = true;
    else throw new Error(`Unknown argument ${JSON.stringify(args[i])}\n${USAGE}`);
  }
  return out;
}

/** The plan report on stdout, notices on stderr; the exit code says in sync (0) or drift (2). */
function printDrift(d: Drift, mailboxes: number, io: DriverIO, json: boolean): number {
  if (json) {
    io.stdout(
      JSON.stringify({ inSync: d.operations.length === 0, operations: d.operations, notices: d.notices }) +
        "\n",
    );
  } else if (d.operations.length === 0) {
    io.stdout(`In sync: service principal ${d.principal} and ${mailboxes} mailbox(es) match the config.\n`);
  } else {
    io.stdout(`Drift: ${d.operations.length} change(s) would be made:\n`);
    for (const op of d.operations) io.stdout(`  ${sign(op)} ${describeOperation(op, d.principal)}\n`);
  }
  for (const n of d.notices) io.stderr(`${n.level}: ${n.message}\n`);
  return d.operations.length === 0 ? EXIT.ok : EXIT.drift;
}

function summarize(c: SessionCounters): string {
  const kinds = Object.entries(c.cmdlets)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `${c.sessions} session, ${kinds}${c.retries ? `, ${c.retries} retries` : ""}`;
}

/** Runs the driver on this process's argv and environment; sets the exit code. */
export function main(): void {
  runDriver(process.argv.slice(2), {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then(
    ({ code }) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}

if (require.main === module) main();
