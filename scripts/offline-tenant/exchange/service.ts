// Exchange Online as the offline tenant's double: ONE implementation behind both fronts —
// simulator.ts (stands in for pwsh + shim + module, JSON lines) and rest-server.ts (the HTTP
// front the stand-in ExchangeOnlineManagement module calls, like the real module's REST
// transport). A connection here is one Connect-ExchangeOnline: it owns the fault counters
// (EXO_SIM_FAULTS), the virtual clock (EXO_SIM_LATENCY) and the stats it merges into
// EXO_SIM_STATS. Cmdlet semantics are cmdlets.ts over the tenant state file; parameters
// arrive already bound (params.ts bindParameters, or PowerShell itself in the real tier).
// Sources for each behaviour: docs/offline-tenant.md and docs/powershell-tier.md.
import { statSync } from "node:fs";
import { readState, updateState, type ExchangeServicePrincipal, type TenantState } from "../state";
import { runCmdlet, type CmdletOutcome } from "./cmdlets";
import * as E from "./errors";
import { SimError, type SimErrorRecord } from "./errors";
import type { SimFaults, SimLatency } from "./knobs";
import { CMDLETS, type Bound } from "./params";
import { seededRandom } from "../seeded-random";
import { emptyStats, mergeSimStats, type SimStats } from "./stats";

/** A transport-level failure (HTTP status), before any cmdlet ran. */
export interface HttpFailure {
  status: 429 | 500;
  /** Retry-After, seconds (429 only). */
  retryAfterSeconds?: number;
  /** OData error body: error.code, error.message, error.innererror.type. */
  code: string;
  message: string;
  innerType: string;
}

/** What Exchange answered one cmdlet request. */
export type ExchangeAnswer =
  | { type: "ok"; result: Record<string, unknown>[]; warnings: string[] }
  | { type: "error"; record: SimErrorRecord }
  | { type: "http"; failure: HttpFailure };

export interface RunOutcome {
  answer: ExchangeAnswer;
  /** crashAfter fired: the call was committed, and the process calling must now die unanswered. */
  crash?: string;
}

/** The reads staleReadsAfterWrite answers from before the latest write. */
const STALE_READ_CMDLETS = new Set(["Get-MailboxPermission", "Get-RecipientPermission"]);
/** Parameters that name a principal Exchange must resolve (principalLagCalls). */
const PRINCIPAL_PARAMS = ["User", "Trustee"] as const;

export interface ConnectionOptions {
  statePath: string;
  statsPath?: string;
  faults: SimFaults;
  latency: SimLatency;
}

/** One Connect-ExchangeOnline's worth of Exchange: faults, counters and clock are per connection. */
export class ExchangeConnection {
  private isConnected = false;
  private calls = 0;
  private counts = { throttle: 0, tooManyRequests: 0, serverError: 0, spNotFound: 0 };
  /** transientRate's draws: mulberry32, seeded per connection (knobs.ts `seed`). */
  private readonly draw: () => number;
  private staleSnapshot?: TenantState;
  private staleReadsLeft = 0;
  private lag?: { principal: ExchangeServicePrincipal; callsLeft: number };
  private delta: SimStats = emptyStats();
  private cache: { key: string; state: TenantState } | undefined;

  constructor(private readonly o: ConnectionOptions) {
    this.draw = seededRandom(o.faults.seed ?? 1);
    this.delta.sessions = 1;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** The allow-listed cmdlets this caller's RBAC lets it run (notRecognized removes some). */
  commands(): string[] {
    return Object.keys(CMDLETS).filter((c) => !this.o.faults.notRecognized?.includes(c));
  }

  /**
   * The state for a read-only cmdlet. Parsing a large tenant for every Get-… dominated run
   * time, so the parsed document is reused while the file is unchanged: writeState renames a
   * new file into place, so any write changes the inode.
   */
  private readState(): TenantState {
    const st = statSync(this.o.statePath);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.cache?.key !== key) this.cache = { key, state: readState(this.o.statePath) };
    return this.cache.state;
  }

  /** The tenant's id and organization (for URLs and the connect check). */
  tenant(): { tenantId: string; organization: string } {
    const s = this.readState();
    return { tenantId: s.tenantId, organization: s.organization };
  }

  /** Connect-ExchangeOnline reaching Exchange: the organization must be this tenant's. Throws SimError. */
  connect(organization: string): void {
    const state = this.readState();
    const org = organization.toLowerCase();
    if (org !== state.organization.toLowerCase() && org !== state.tenantId.toLowerCase())
      throw E.unauthorized(organization);
    this.isConnected = true;
    this.delta.connects++;
    this.delta.virtualMs += this.o.latency.connectMs;
  }

  disconnect(): void {
    if (this.isConnected) {
      this.delta.disconnects++;
      this.delta.virtualMs += this.o.latency.disconnectMs;
    }
    this.isConnected = false;
  }

  /** An error the caller raised before Exchange ran anything (binding, not connected…): counted. */
  countError(): void {
    this.delta.errors++;
  }

  /** Counted for a cmdlet the caller's RBAC does not have (fault notRecognized). */
  countNotRecognized(): void {
    this.delta.faults.notRecognized++;
    this.delta.errors++;
  }

  /** Run one bound, allow-listed cmdlet on a connected connection. */
  run(cmdlet: string, p: Bound): RunOutcome {
    const spec = CMDLETS[cmdlet];
    let answer: ExchangeAnswer;
    // From here on the call reaches "Exchange": it costs time and counts.
    this.calls++;
    this.delta.cmdlets[cmdlet] = (this.delta.cmdlets[cmdlet] ?? 0) + 1;
    this.delta.byKind[spec.kind]++;
    this.delta.virtualMs +=
      this.o.latency.cmdletMs[cmdlet] ??
      (spec.kind === "read" ? this.o.latency.readMs : this.o.latency.writeMs);
    try {
      const http = this.httpFault(cmdlet);
      if (http) {
        this.delta.errors++;
        answer = { type: "http", failure: http };
      } else {
        const o = this.execute(cmdlet, p);
        answer = { type: "ok", result: this.omit(o.result), warnings: o.warnings };
      }
    } catch (err) {
      if (!(err instanceof SimError)) throw err;
      this.delta.errors++;
      answer = { type: "error", record: err.record };
    }
    if (this.o.faults.crashAfter && this.calls === this.o.faults.crashAfter && this.isConnected) {
      this.delta.faults.crash++;
      return { answer, crash: `injected crash after cmdlet #${this.calls} (${cmdlet})` };
    }
    return { answer };
  }

  /** omitProperties: objects as Exchange would send them without those properties. */
  private omit(result: Record<string, unknown>[]): Record<string, unknown>[] {
    const names = this.o.faults.omitProperties;
    if (!names?.length) return result;
    return result.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => !names.includes(k))));
  }

  private throttles(cmdlet: string): boolean {
    const only = this.o.faults.throttleCmdlets;
    return !only || only.includes(cmdlet);
  }

  /** tooManyRequestsFirst / serverErrorFirst: the request fails at the HTTP level. */
  private httpFault(cmdlet: string): HttpFailure | undefined {
    const f = this.o.faults;
    if (!this.throttles(cmdlet)) return undefined;
    if (f.tooManyRequestsFirst && this.counts.tooManyRequests < f.tooManyRequestsFirst) {
      this.counts.tooManyRequests++;
      this.delta.faults.tooManyRequests++;
      const retryAfterSeconds = f.retryAfterSeconds ?? 1;
      // The client waits at least Retry-After before its next request.
      this.delta.virtualMs += retryAfterSeconds * 1000;
      return { status: 429, retryAfterSeconds, ...E.TOO_MANY_REQUESTS };
    }
    if (f.serverErrorFirst && this.counts.serverError < f.serverErrorFirst) {
      this.counts.serverError++;
      this.delta.faults.serverError++;
      return { status: 500, ...E.AD_TRANSIENT };
    }
    return undefined;
  }

  private execute(cmdlet: string, p: Bound): CmdletOutcome {
    const spec = CMDLETS[cmdlet];
    const f = this.o.faults;
    if (f.throttleFirst && this.counts.throttle < f.throttleFirst && this.throttles(cmdlet)) {
      this.counts.throttle++;
      throw this.fault("throttle", E.serverBusy());
    }
    if (f.transientRate && this.throttles(cmdlet) && this.draw() < f.transientRate)
      throw this.fault("throttle", E.serverBusy());
    if (f.accessDenied?.includes(cmdlet))
      throw this.fault("accessDenied", E.outOfWriteScope(cmdlet, String(p.Identity ?? p.AppId ?? "")));
    if (
      cmdlet === "New-ServicePrincipal" &&
      f.spNotFoundFirst &&
      this.counts.spNotFound < f.spNotFoundFirst
    ) {
      const state = this.readState();
      const appId = String(p.AppId).toLowerCase();
      const objectId = String(p.ObjectId ?? p.ServiceId).toLowerCase();
      if (
        state.entra.servicePrincipals.some(
          (sp) => sp.objectId.toLowerCase() === objectId && sp.clientId.toLowerCase() === appId,
        )
      ) {
        this.counts.spNotFound++;
        throw this.fault(
          "spNotFoundYet",
          E.spNotFound(cmdlet, String(p.ObjectId ?? p.ServiceId), String(p.AppId)),
        );
      }
    }
    this.principalLag(cmdlet, p);
    if (spec.kind === "write") {
      if (f.staleReadsAfterWrite) {
        // A replica that has seen none of this session's writes yet answers the next few
        // permission reads (the snapshot is taken before the session's first write).
        this.staleSnapshot ??= structuredClone(this.readState());
        this.staleReadsLeft = f.staleReadsAfterWrite;
      }
      const outcome = updateState(this.o.statePath, (s: TenantState) => runCmdlet(s, cmdlet, p));
      if (cmdlet === "New-ServicePrincipal" && f.principalLagCalls && outcome.result[0])
        this.lag = {
          principal: outcome.result[0] as unknown as ExchangeServicePrincipal,
          callsLeft: f.principalLagCalls,
        };
      return outcome;
    }
    if (this.staleReadsLeft > 0 && this.staleSnapshot && STALE_READ_CMDLETS.has(cmdlet)) {
      this.staleReadsLeft--;
      this.delta.faults.staleRead++;
      // Principals as they are now; the mailboxes' permission rows as the replica has them.
      const replica = structuredClone(this.readState());
      replica.exchange.mailboxes = structuredClone(this.staleSnapshot.exchange.mailboxes);
      return runCmdlet(replica, cmdlet, p);
    }
    return runCmdlet(this.readState(), cmdlet, p);
  }

  /**
   * principalLagCalls: a principal New-ServicePrincipal just created is not yet resolvable
   * where another cmdlet names it (-User, -Trustee): Exchange answers Ex94914C "Couldn't find
   * object" naming the principal, for the next N such calls.
   */
  private principalLag(cmdlet: string, p: Bound): void {
    const lag = this.lag;
    if (!lag || lag.callsLeft <= 0) return;
    for (const name of PRINCIPAL_PARAMS) {
      const value = p[name];
      if (typeof value !== "string") continue;
      const v = value.toLowerCase();
      const sp = lag.principal;
      if ([sp.ObjectId, sp.AppId, sp.Identity, sp.Name, sp.Sid].some((x) => String(x).toLowerCase() === v)) {
        lag.callsLeft--;
        throw this.fault("principalLag", E.referencedNotFound(cmdlet, value));
      }
    }
  }

  private fault(kind: keyof SimStats["faults"], err: SimError): SimError {
    this.delta.faults[kind]++;
    return err;
  }

  /** Merge what happened since the last flush into EXO_SIM_STATS (when set). */
  flush(): void {
    if (this.o.statsPath) mergeSimStats(this.o.statsPath, this.delta);
    this.delta = emptyStats();
  }
}
