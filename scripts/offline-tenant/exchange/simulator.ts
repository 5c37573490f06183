// The Exchange Online simulator: stands in for `pwsh … -File shim.ps1` — PowerShell, the
// shim and the ExchangeOnlineManagement module at once (launch it through ./fake-pwsh as the
// `exo-oauth:exchange.pwsh` setting). It speaks the shim's protocol exactly — one JSON request
// per stdin line, one JSON response per stdout line, nothing else on stdout — and answers with
// Exchange's behaviour from service.ts, the SAME implementation the REST front (rest-server.ts)
// serves to the stand-in module in the real tier (docs/powershell-tier.md).
//
// Environment:
//   EXO_SIM_STATE           tenant state file (required; scripts/offline-tenant/state.ts)
//   EXO_SIM_STATS           stats file to merge counters into (optional; stats.ts)
//   EXO_SIM_FAULTS          fault injection, JSON (knobs.ts SimFaults)
//   EXO_SIM_LATENCY         virtual clock costs, JSON (knobs.ts SimLatency)
//   EXO_SIM_MODULE_RETRIES  the module's own retries of HTTP 429/5xx (knobs.ts, default 3)
//   EXO_SIM_MODULE_VERSION  the ExchangeOnlineManagement version "installed" (default 3.9.1)
//   EXO_SIM_PWSH_VERSION    the PowerShell version "running" (default 7.6.9)
//   EXO_OAUTH_CERTIFICATE, EXO_OAUTH_CERTIFICATE_PASSWORD, EXO_OAUTH_ACCESS_TOKEN
//                           the secrets, read once at start and removed, like the shim does.
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { MODULE_RETRIES_ENV, parseFaults, parseLatency, parseModuleRetries } from "./knobs";
import * as E from "./errors";
import { SimError } from "./errors";
import { selectModule } from "./module-selection";
import { CMDLETS, bindParameters, type Bound } from "./params";
import { ExchangeConnection, type ExchangeAnswer, type RunOutcome } from "./service";

export { compareVersions } from "./module-selection";

const SECRET_NAMES = [
  "EXO_OAUTH_CERTIFICATE",
  "EXO_OAUTH_CERTIFICATE_PASSWORD",
  "EXO_OAUTH_ACCESS_TOKEN",
] as const;
const PWSH_SWITCHES = ["-nologo", "-noprofile", "-noninteractive"];
const VERSION = /^\d+(\.\d+)*$/;

function die(code: number, message: string): never {
  process.stderr.write(`exchange-sim: ${message}\n`);
  process.exit(code);
}

/** Accept exactly what the session passes pwsh; anything else fails like a misconfiguration. */
export function parsePwshArgs(argv: string[]): { shim: string } {
  let shim: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (PWSH_SWITCHES.includes(a)) continue;
    if (a === "-file") {
      shim = argv[++i];
      if (!shim) throw new Error("-File needs a script path");
      continue;
    }
    throw new Error(
      `unexpected argument '${argv[i]}'; expected: -NoLogo -NoProfile -NonInteractive -File <path>/shim.ps1`,
    );
  }
  if (!shim)
    throw new Error("missing -File <path>/shim.ps1: the simulator only stands in for the exo-oauth shim");
  if (basename(shim) !== "shim.ps1") throw new Error(`-File '${shim}' is not the exo-oauth shim (shim.ps1)`);
  if (!existsSync(shim)) throw new Error(`-File '${shim}': no such file`);
  return { shim: resolve(shim) };
}

interface Request {
  id: unknown;
  cmdlet: unknown;
  params?: unknown;
}

export interface SimulatorOptions {
  statePath: string;
  statsPath?: string;
  faults: ReturnType<typeof parseFaults>;
  latency: ReturnType<typeof parseLatency>;
  /** The installed ExchangeOnlineManagement version. */
  moduleVersion: string;
  /** The running PowerShell's version. */
  pwshVersion: string;
  /** HTTP 429/5xx re-sent by the module before it raises an error. */
  moduleRetries: number;
  secrets: Record<(typeof SECRET_NAMES)[number], string | undefined>;
}

export class Simulator {
  private readonly exchange: ExchangeConnection;

  constructor(private readonly o: SimulatorOptions) {
    this.exchange = new ExchangeConnection(o);
    this.flush();
  }

  flush(): void {
    this.exchange.flush();
  }

  /**
   * When false, counters are flushed by the caller (the process batches them: one locked
   * file write per request would dominate the simulator's own run time).
   */
  flushEachRequest = true;

  /** One request line → its response (or a crash to perform; `end` after disconnect). */
  handle(line: string): { response?: object; end?: boolean; crash?: string } {
    try {
      return this.handleLine(line);
    } finally {
      if (this.flushEachRequest) this.flush();
    }
  }

  private handleLine(line: string): { response?: object; end?: boolean; crash?: string } {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (!req || typeof req !== "object" || Array.isArray(req)) throw new Error("not a JSON object");
    } catch (err) {
      return {
        response: this.failure(null, {
          message: `Conversion from JSON failed with error: ${(err as Error).message}`,
          category: "NotSpecified",
          fullyQualifiedErrorId:
            "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
          exceptionType: "System.ArgumentException",
        }),
      };
    }
    const id = req.id ?? null;
    const cmdlet = String(req.cmdlet ?? "");
    try {
      if (cmdlet === "connect") {
        this.connect(req.params);
        return { response: this.success(id, [], []) };
      }
      if (cmdlet === "disconnect") {
        this.exchange.disconnect();
        return { response: this.success(id, [], []), end: true };
      }
      if (!(cmdlet in CMDLETS)) throw E.cmdletNotAllowed(cmdlet, Object.keys(CMDLETS));
      return this.cmdlet(id, cmdlet, req.params);
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      this.exchange.countError();
      return { response: this.failure(id, err.record) };
    }
  }

  /** The shim's connect: pick a module this pwsh runs, build Connect-ExchangeOnline's arguments, connect. */
  private connect(raw: unknown): void {
    const p = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const min = String(p.moduleMinVersion ?? "");
    if (!VERSION.test(min)) throw E.cannotConvert("connect", "moduleMinVersion", min, "System.Version");
    const choice = selectModule([this.o.moduleVersion], min, this.o.pwshVersion);
    if (!choice.ok) throw E.moduleMissing(choice.message);
    const organization = typeof p.organization === "string" ? p.organization : "";
    if (!organization) throw E.connectArgumentEmpty("Organization");
    const secrets = this.o.secrets;
    switch (p.connection) {
      case "certificate": {
        if (typeof p.appId !== "string" || !p.appId) throw E.connectArgumentEmpty("AppId");
        const pfx = secrets.EXO_OAUTH_CERTIFICATE ?? "";
        if (!pfx || pfx.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(pfx)) throw E.badBase64();
        break;
      }
      case "managedIdentity":
        if (
          p.managedIdentityAccountId !== undefined &&
          (typeof p.managedIdentityAccountId !== "string" || !p.managedIdentityAccountId)
        )
          throw E.connectArgumentEmpty("ManagedIdentityAccountId");
        break;
      case "accessToken":
        if (!secrets.EXO_OAUTH_ACCESS_TOKEN) throw E.connectArgumentEmpty("AccessToken");
        break;
      default:
        throw E.connectionUnknown(String(p.connection));
    }
    this.exchange.connect(organization);
    for (const k of SECRET_NAMES) secrets[k] = undefined; // the shim clears them after connecting
  }

  private cmdlet(id: unknown, cmdlet: string, raw: unknown): { response?: object; crash?: string } {
    if (this.o.faults.notRecognized?.includes(cmdlet)) {
      this.exchange.countNotRecognized();
      return { response: this.failure(id, E.notRecognized(cmdlet).record) };
    }
    const p = bindParameters(cmdlet, raw);
    if (!this.exchange.connected) throw E.mustConnect();
    const out = this.throughModule(cmdlet, p);
    if (out.crash) return { crash: out.crash };
    const a = out.answer;
    if (a.type === "ok") return { response: this.success(id, a.result, a.warnings) };
    return { response: this.failure(id, a.type === "error" ? a.record : transportRecord(cmdlet, a)) };
  }

  /** The module's transport: HTTP 429/5xx are re-sent up to moduleRetries times, then raised. */
  private throughModule(cmdlet: string, p: Bound): RunOutcome {
    for (let attempt = 0; ; attempt++) {
      const out = this.exchange.run(cmdlet, p);
      if (out.crash || out.answer.type !== "http" || attempt >= this.o.moduleRetries) return out;
    }
  }

  private success(id: unknown, result: unknown[], warnings: string[]) {
    return { id, ok: true, result, warnings };
  }
  private failure(id: unknown, record: E.SimErrorRecord) {
    return { id, ok: false, error: record, warnings: [] };
  }
}

/** The error the module raises for an HTTP failure it gave up on. */
function transportRecord(cmdlet: string, a: Extract<ExchangeAnswer, { type: "http" }>): E.SimErrorRecord {
  const f = a.failure;
  return E.restTransportError(cmdlet, f.status, E.odataErrorBody(f.code, f.message, f.innerType));
}

/** Build a simulator from its environment variables; throws a clear Error for a bad setting. */
export function simulatorFromEnv(env: NodeJS.ProcessEnv): Simulator {
  const statePath = env.EXO_SIM_STATE;
  if (!statePath) throw new Error("EXO_SIM_STATE is not set: point it at the offline tenant state file");
  if (!existsSync(statePath))
    throw new Error(
      `EXO_SIM_STATE '${statePath}': no such file (create it with newTenantState + writeState)`,
    );
  const faults = parseFaults(env.EXO_SIM_FAULTS);
  const latency = parseLatency(env.EXO_SIM_LATENCY);
  const moduleRetries = parseModuleRetries(env[MODULE_RETRIES_ENV]);
  const moduleVersion = env.EXO_SIM_MODULE_VERSION ?? "3.9.1";
  if (!VERSION.test(moduleVersion))
    throw new Error(`EXO_SIM_MODULE_VERSION '${moduleVersion}' is not a version like 3.9.1`);
  const pwshVersion = env.EXO_SIM_PWSH_VERSION ?? "7.6.9";
  if (!VERSION.test(pwshVersion))
    throw new Error(`EXO_SIM_PWSH_VERSION '${pwshVersion}' is not a version like 7.6.9`);
  // Read the secrets once and drop them from the environment, as the shim does.
  const secrets = Object.fromEntries(SECRET_NAMES.map((k) => [k, env[k]])) as SimulatorOptions["secrets"];
  for (const k of SECRET_NAMES) delete env[k];
  return new Simulator({
    statePath,
    statsPath: env.EXO_SIM_STATS,
    faults,
    latency,
    moduleVersion,
    pwshVersion,
    moduleRetries,
    secrets,
  });
}

function main(): void {
  try {
    parsePwshArgs(process.argv.slice(2));
  } catch (err) {
    die(64, (err as Error).message);
  }
  let sim: Simulator;
  try {
    sim = simulatorFromEnv(process.env);
  } catch (err) {
    die(2, (err as Error).message);
  }
  // Counters reach the stats file at most every 100 ms, and always before the process ends.
  sim.flushEachRequest = false;
  let timer: NodeJS.Timeout | undefined;
  const flushSoon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      sim.flush();
    }, 100);
  };
  const end = (code: number, message?: string): never => {
    if (timer) clearTimeout(timer);
    sim.flush();
    if (message) die(code, message);
    process.exit(code);
  };
  process.on("SIGTERM", () => end(143));
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    const out = sim.handle(line);
    if (out.crash) end(1, out.crash);
    process.stdout.write(JSON.stringify(out.response) + "\n");
    if (out.end) end(0);
    flushSoon();
  });
  rl.on("close", () => end(0));
}

if (require.main === module) main();
