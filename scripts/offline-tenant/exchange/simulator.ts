// The Exchange Online simulator: stands in for `pwsh … -File shim.ps1` (launch it through
// ./fake-pwsh as the `exo-oauth:exchange.pwsh` setting). It speaks the shim's protocol
// exactly — one JSON request per stdin line, one JSON response per stdout line, nothing
// else on stdout — and behaves like Exchange Online over the `exchange` part of the
// offline tenant state (cmdlets.ts).
//
// Environment:
//   EXO_SIM_STATE           tenant state file (required; scripts/offline-tenant/state.ts)
//   EXO_SIM_STATS           stats file to merge counters into (optional; stats.ts)
//   EXO_SIM_FAULTS          fault injection, JSON (knobs.ts SimFaults)
//   EXO_SIM_LATENCY         virtual clock costs, JSON (knobs.ts SimLatency)
//   EXO_SIM_MODULE_VERSION  the ExchangeOnlineManagement version "installed" (default 3.9.1)
//   EXO_OAUTH_CERTIFICATE, EXO_OAUTH_CERTIFICATE_PASSWORD, EXO_OAUTH_ACCESS_TOKEN
//                           the secrets, read once at start and removed, like the shim does.
import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { readState, updateState, type TenantState } from "../state";
import { parseFaults, parseLatency, type SimFaults, type SimLatency } from "./knobs";
import { runCmdlet, type CmdletOutcome } from "./cmdlets";
import * as E from "./errors";
import { SimError } from "./errors";
import { CMDLETS, bindParameters } from "./params";
import { emptyStats, mergeSimStats, type SimStats } from "./stats";

const SECRET_NAMES = [
  "EXO_OAUTH_CERTIFICATE",
  "EXO_OAUTH_CERTIFICATE_PASSWORD",
  "EXO_OAUTH_ACCESS_TOKEN",
] as const;
const PWSH_SWITCHES = ["-nologo", "-noprofile", "-noninteractive"];

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

/** Compare dotted versions: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

interface Request {
  id: unknown;
  cmdlet: unknown;
  params?: unknown;
}

/** The reads staleReadsAfterWrite answers from before the latest write. */
const STALE_READ_CMDLETS = new Set(["Get-MailboxPermission", "Get-RecipientPermission"]);

export class Simulator {
  private connected = false;
  private calls = 0;
  private throttled = 0;
  private spNotFound = 0;
  private staleSnapshot?: TenantState;
  private staleReadsLeft = 0;
  private delta: SimStats = emptyStats();
  private cache: { key: string; state: TenantState } | undefined;

  constructor(
    private readonly statePath: string,
    private readonly statsPath: string | undefined,
    private readonly faults: SimFaults,
    private readonly latency: SimLatency,
    private readonly moduleVersion: string,
    private readonly secrets: Record<(typeof SECRET_NAMES)[number], string | undefined>,
  ) {
    this.delta.sessions = 1;
    this.flush();
  }

  /**
   * The state for a read-only cmdlet. Parsing a large tenant for every Get-… dominated run
   * time, so the parsed document is reused while the file is unchanged: writeState renames a
   * new file into place, so any write changes the inode.
   */
  private readState(): TenantState {
    const st = statSync(this.statePath);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.cache?.key !== key) this.cache = { key, state: readState(this.statePath) };
    return this.cache.state;
  }

  flush(): void {
    if (this.statsPath) mergeSimStats(this.statsPath, this.delta);
    this.delta = emptyStats();
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
      if (cmdlet === "connect") return { response: this.success(id, this.connect(req.params)) };
      if (cmdlet === "disconnect") {
        if (this.connected) {
          this.delta.disconnects++;
          this.delta.virtualMs += this.latency.disconnectMs;
        }
        this.connected = false;
        return { response: this.success(id, { result: [], warnings: [], wrote: false }), end: true };
      }
      if (!(cmdlet in CMDLETS)) throw E.cmdletNotAllowed(cmdlet, Object.keys(CMDLETS));
      return this.cmdlet(id, cmdlet, req.params);
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      this.delta.errors++;
      return { response: this.failure(id, err.record) };
    }
  }

  private connect(raw: unknown): CmdletOutcome {
    const p = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    const min = String(p.moduleMinVersion ?? "");
    if (!/^\d+(\.\d+)*$/.test(min))
      throw E.cannotConvert("connect", "moduleMinVersion", min, "System.Version");
    if (compareVersions(this.moduleVersion, min) < 0) throw E.moduleMissing(min);
    const organization = typeof p.organization === "string" ? p.organization : "";
    if (!organization) throw E.connectArgumentEmpty("Organization");
    switch (p.connection) {
      case "certificate": {
        if (typeof p.appId !== "string" || !p.appId) throw E.connectArgumentEmpty("AppId");
        const pfx = this.secrets.EXO_OAUTH_CERTIFICATE ?? "";
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
        if (!this.secrets.EXO_OAUTH_ACCESS_TOKEN) throw E.connectArgumentEmpty("AccessToken");
        break;
      default:
        throw E.connectionUnknown(String(p.connection));
    }
    const state = this.readState();
    if (organization.toLowerCase() !== state.organization.toLowerCase()) throw E.unauthorized(organization);
    for (const k of SECRET_NAMES) this.secrets[k] = undefined; // the shim clears them after connecting
    this.connected = true;
    this.delta.connects++;
    this.delta.virtualMs += this.latency.connectMs;
    return { result: [], warnings: [], wrote: false };
  }

  private cmdlet(id: unknown, cmdlet: string, raw: unknown): { response?: object; crash?: string } {
    const spec = CMDLETS[cmdlet];
    let outcome: CmdletOutcome | undefined;
    let error: SimError | undefined;
    try {
      if (this.faults.notRecognized?.includes(cmdlet))
        throw this.fault("notRecognized", E.notRecognized(cmdlet));
      const p = bindParameters(cmdlet, raw);
      if (!this.connected) throw E.mustConnect();
      // From here on the call reaches "Exchange": it costs time and counts.
      this.calls++;
      this.delta.cmdlets[cmdlet] = (this.delta.cmdlets[cmdlet] ?? 0) + 1;
      this.delta.byKind[spec.kind]++;
      this.delta.virtualMs +=
        this.latency.cmdletMs[cmdlet] ?? (spec.kind === "read" ? this.latency.readMs : this.latency.writeMs);
      const f = this.faults;
      if (
        f.throttleFirst &&
        this.throttled < f.throttleFirst &&
        (!f.throttleCmdlets || f.throttleCmdlets.includes(cmdlet))
      ) {
        this.throttled++;
        throw this.fault("throttle", E.serverBusy());
      }
      if (f.accessDenied?.includes(cmdlet))
        throw this.fault("accessDenied", E.outOfWriteScope(cmdlet, String(p.Identity ?? p.AppId ?? "")));
      if (cmdlet === "New-ServicePrincipal" && f.spNotFoundFirst && this.spNotFound < f.spNotFoundFirst) {
        const state = this.readState();
        const appId = String(p.AppId).toLowerCase();
        const objectId = String(p.ObjectId ?? p.ServiceId).toLowerCase();
        if (
          state.entra.servicePrincipals.some(
            (sp) => sp.objectId.toLowerCase() === objectId && sp.clientId.toLowerCase() === appId,
          )
        ) {
          this.spNotFound++;
          throw this.fault(
            "spNotFoundYet",
            E.spNotFound(cmdlet, String(p.ObjectId ?? p.ServiceId), String(p.AppId)),
          );
        }
      }
      if (spec.kind === "write") {
        if (f.staleReadsAfterWrite) {
          // A replica that has seen none of this session's writes yet answers the next few
          // permission reads (the snapshot is taken before the session's first write).
          this.staleSnapshot ??= structuredClone(this.readState());
          this.staleReadsLeft = f.staleReadsAfterWrite;
        }
        outcome = updateState(this.statePath, (s: TenantState) => runCmdlet(s, cmdlet, p));
      } else if (this.staleReadsLeft > 0 && this.staleSnapshot && STALE_READ_CMDLETS.has(cmdlet)) {
        this.staleReadsLeft--;
        this.delta.faults.staleRead++;
        // Principals as they are now; the mailboxes' permission rows as the replica has them.
        const replica = structuredClone(this.readState());
        replica.exchange.mailboxes = structuredClone(this.staleSnapshot.exchange.mailboxes);
        outcome = runCmdlet(replica, cmdlet, p);
      } else {
        outcome = runCmdlet(this.readState(), cmdlet, p);
      }
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      error = err;
      this.delta.errors++;
    }
    if (this.faults.crashAfter && this.calls === this.faults.crashAfter && this.connected) {
      this.delta.faults.crash++;
      return { crash: `injected crash after cmdlet #${this.calls} (${cmdlet})` };
    }
    return { response: error ? this.failure(id, error.record) : this.success(id, outcome!) };
  }

  private fault(kind: keyof SimStats["faults"], err: SimError): SimError {
    this.delta.faults[kind]++;
    return err;
  }

  private success(id: unknown, o: CmdletOutcome) {
    return { id, ok: true, result: o.result, warnings: o.warnings };
  }
  private failure(id: unknown, record: E.SimErrorRecord) {
    return { id, ok: false, error: record, warnings: [] };
  }
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
  const moduleVersion = env.EXO_SIM_MODULE_VERSION ?? "3.9.1";
  if (!/^\d+(\.\d+)*$/.test(moduleVersion))
    throw new Error(`EXO_SIM_MODULE_VERSION '${moduleVersion}' is not a version like 3.9.1`);
  // Read the secrets once and drop them from the environment, as the shim does.
  const secrets = Object.fromEntries(SECRET_NAMES.map((k) => [k, env[k]])) as Record<
    (typeof SECRET_NAMES)[number],
    string | undefined
  >;
  for (const k of SECRET_NAMES) delete env[k];
  return new Simulator(statePath, env.EXO_SIM_STATS, faults, latency, moduleVersion, secrets);
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
