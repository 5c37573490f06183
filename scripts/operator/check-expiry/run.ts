// `npm run check-expiry` with its dependencies injected: the pulumi CLI (scripts/cli/pulumi.ts), the
// Graph access (./live.ts) and the clock. Exit 0 when nothing is wrong, 1 with every problem listed,
// 64 a bad command line, 78 a stack that cannot be read or lacks the outputs.
import { isGuid } from "../../../components/identifiers";
import { flagValue, stringValue, type Values } from "../../cli/args";
import { InputError, UsageError } from "../../cli/errors";
import { EXIT } from "../../cli/exit-codes";
import { pulumiJson, type RunPulumi } from "../../cli/pulumi";
import { runTool, type ToolIO } from "../../cli/run";
import { fitText, paint, printable, symbols } from "../../cli/terminal";
import { evaluateExpiry } from "./evaluate";
import { readLiveCredentials, type GraphAccess } from "./live";
import { CHECK_EXPIRY_SCHEMA, CHECK_EXPIRY_SPEC, DEFAULT_MAX_OVERDUE_DAYS, DEFAULT_MIN_DAYS } from "./spec";

export interface CheckExpiryDeps {
  runPulumi: RunPulumi;
  /** The Graph access for the live read (called only without --outputs-only). */
  graph: (env: ToolIO["env"]) => GraphAccess;
  now?: () => Date;
  /** Waits between Graph retries (default real time). */
  sleep?: (ms: number) => Promise<void>;
}

function days(values: Values, name: string, fallback: number, problems: string[]): number {
  const text = stringValue(values, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,4}$/.test(text)) {
    problems.push(`--${name} "${printable(text)}" is not a whole number of days (0 to 9999)`);
    return fallback;
  }
  return Number(text);
}

const isInstant = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v));

export function runCheckExpiry(argv: readonly string[], io: ToolIO, deps: CheckExpiryDeps): Promise<number> {
  return runTool({ spec: CHECK_EXPIRY_SPEC, schema: () => CHECK_EXPIRY_SCHEMA }, argv, io, async (inv) => {
    const problems: string[] = [];
    const minDays = days(inv.values, "min-days", DEFAULT_MIN_DAYS, problems);
    const maxOverdueDays = days(inv.values, "max-overdue-days", DEFAULT_MAX_OVERDUE_DAYS, problems);
    if (problems.length > 0) throw new UsageError(problems);
    const stackOption = stringValue(inv.values, "stack");
    const stack = stackOption ?? "<the selected stack>";
    const outputs = (await pulumiJson(
      deps.runPulumi,
      ["stack", "output", "--json", ...(stackOption ? ["--stack", stackOption] : [])],
      { env: io.env, stack, what: `the outputs of stack ${stack}` },
    )) as Record<string, unknown> | null;
    const o = outputs ?? {};
    const missing = [
      ...(typeof o.clientId === "string" && isGuid(o.clientId) ? [] : ["clientId"]),
      ...(typeof o.clientSecretKeyId === "string" && o.clientSecretKeyId !== "" ? [] : ["clientSecretKeyId"]),
      ...(isInstant(o.clientSecretExpiresAt) ? [] : ["clientSecretExpiresAt"]),
      ...(isInstant(o.nextRotationAt) ? [] : ["nextRotationAt"]),
    ];
    if (missing.length > 0)
      throw new InputError(
        `Reading the outputs of stack ${printable(stack)}: ${missing.join(", ")} missing or not valid. ` +
          "Has the stack been deployed with this version? Run `pulumi up` first, or pick the stack with --stack.",
      );
    const clientId = o.clientId as string;
    const live = flagValue(inv.values, "outputs-only")
      ? ({ status: "not-read" } as const)
      : await readLiveCredentials(deps.graph(io.env), clientId, deps.sleep ? { sleep: deps.sleep } : {});
    const now = (deps.now ?? (() => new Date()))();
    const f = evaluateExpiry({
      stack: stackOption,
      clientId,
      keyId: o.clientSecretKeyId as string,
      expiresAt: o.clientSecretExpiresAt as string,
      nextRotationAt: o.nextRotationAt as string,
      live,
      now,
      minDays,
      maxOverdueDays,
    });
    const exitCode = f.problems.length > 0 ? EXIT.error : EXIT.ok;
    if (!inv.json) {
      const t = inv.terminals.stdout;
      const sym = symbols(t);
      const mark = exitCode === EXIT.ok ? paint(t, "green", sym.pass) : paint(t, "red", sym.fail);
      const liveText =
        live.status === "read"
          ? live.passwords.some((p) => p.keyId === o.clientSecretKeyId)
            ? "in the tenant"
            : "NOT in the tenant"
          : live.status === "no-application"
            ? "application NOT in the tenant"
            : "not checked";
      io.stdout(
        fitText(
          t,
          `${mark} ${printable(stack)} · application ${printable(clientId)} · secret ${printable(String(o.clientSecretKeyId))} ${liveText}\n` +
            `  expires ${f.expiresAt} (${f.daysLeft} days left; --min-days ${minDays}) · next rotation ${printable(String(o.nextRotationAt))}\n` +
            f.notes.map((n) => `  note: ${printable(n)}\n`).join(""),
        ),
      );
      io.stderr(f.problems.map((p) => `Error: ${printable(p)}\n`).join(""));
    }
    return {
      exitCode,
      body: {
        stack: stackOption ?? null,
        clientId,
        clientSecretKeyId: o.clientSecretKeyId,
        expiresAt: f.expiresAt,
        daysLeft: f.daysLeft,
        minDays,
        nextRotationAt: o.nextRotationAt,
        overdueDays: f.overdueDays,
        live: live.status === "read" ? { status: "read", keyIds: live.passwords.map((p) => p.keyId) } : live,
        problems: f.problems,
        notes: f.notes,
      },
    };
  });
}
