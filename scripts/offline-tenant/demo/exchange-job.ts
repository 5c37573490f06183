// A pipeline job that runs the Exchange driver by hand — `npm run exchange -- plan` on a schedule to
// catch drift, `npm run exchange -- apply` to repair it (docs/operations.md, "Drift in Exchange") —
// with what the Command itself gets: its `environment` from the stack's state, the previous record
// in PULUMI_COMMAND_STDOUT, and the pipeline's variables (the admin token; here also the simulator's
// files). Reported as an ExchangeJobItem with the Exchange writes it made.
import { runChild } from "../../cli/child-process";
import { DRIVER_ENV } from "../../../components/exchange-step/environment";
import { emptyStats, readSimStats } from "../exchange/stats";
import { unwrapSecrets } from "../graph/wire";
import { COMMAND_TYPE } from "../harness/engine/engine";
import { ADMIN_TOKEN_ENV, PROJECT_DIR } from "../harness/engine/offline";
import { existsSync } from "node:fs";
import type { ExchangeJobItem } from "./items";
import { PIPELINE_ENV, type World } from "./world";

const writes = (w: World) =>
  (existsSync(w.statsPath) ? readSimStats(w.statsPath) : emptyStats()).byKind.write;

/** The environment the Command has in the stack's state, plus its last record, plus the pipeline's. */
export function commandEnvironment(world: World): NodeJS.ProcessEnv {
  const cmd = world.engine.resources.find((r) => r.type === COMMAND_TYPE && !r.pendingDelete);
  if (!cmd)
    throw new Error("The stack has no Exchange Command in its state (not deployed, or connection manual)");
  const inputs = unwrapSecrets(cmd.inputs) as { environment?: Record<string, string> };
  const outputs = unwrapSecrets(cmd.outputs) as { stdout?: string };
  return {
    ...process.env,
    ...PIPELINE_ENV,
    [ADMIN_TOKEN_ENV]: world.adminToken,
    EXO_SIM_STATE: world.statePath,
    EXO_SIM_STATS: world.statsPath,
    ...inputs.environment,
    [DRIVER_ENV.previousStdout]: outputs.stdout ?? "",
  };
}

/** The Command's stdin in the stack's state (the mailbox list, EXO_OAUTH_MAILBOXES=stdin), or "". */
function commandStdin(world: World): string {
  const cmd = world.engine.resources.find((r) => r.type === COMMAND_TYPE && !r.pendingDelete);
  const inputs = unwrapSecrets(cmd?.inputs) as { stdin?: string } | undefined;
  return typeof inputs?.stdin === "string" ? inputs.stdin : "";
}

export async function exchangeJob(world: World, command: "plan" | "apply"): Promise<ExchangeJobItem> {
  const env = commandEnvironment(world);
  const stdin = commandStdin(world);
  const before = writes(world);
  // A scheduled repair reads every mailbox (apply --full): a hand edit is on a mailbox the config did
  // not change, which the Command's update would not read (docs/exchange-step.md, "What an update reads").
  const args = ["run", "--silent", "exchange", "--", command, ...(command === "apply" ? ["--full"] : [])];
  const out = await runChild("npm", args, { cwd: PROJECT_DIR, env, stdin });
  const lines = (t: string) => t.split("\n").filter((l) => l.trim() !== "");
  return {
    type: "exchange-job",
    commandLine: `npm run exchange -- ${command}`,
    exitCode: out.code,
    stdout: lines(out.stdout),
    stderr: lines(out.stderr).map((l) => l.replace(/^exo-oauth exchange: /, "")),
    writes: writes(world) - before,
  };
}
