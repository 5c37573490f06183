// Counters the offline Exchange keeps (both fronts) for tests and the benchmark, merged into one JSON file
// (EXO_SIM_STATS) across runs: each process adds what it did since its last flush.
import { existsSync, readFileSync } from "node:fs";
import { withFileLock, writeFileAtomic } from "../state";

export interface SimStats {
  /** Connections: simulator processes started (fake tier) or Connect-ExchangeOnline calls that reached the REST front (real tier). */
  sessions: number;
  /** Successful Connect-ExchangeOnline calls. */
  connects: number;
  /** Disconnect-ExchangeOnline calls. */
  disconnects: number;
  /** Cmdlet requests by name, failed ones included (connect/disconnect excluded). */
  cmdlets: Record<string, number>;
  /** Cmdlet requests by kind. */
  byKind: { read: number; write: number };
  /** Requests answered with an error (injected faults included). In the real tier, errors PowerShell raises client-side (binding, not recognized) never reach Exchange and are not counted. */
  errors: number;
  /** Faults injected, by kind. */
  faults: {
    throttle: number;
    spNotFoundYet: number;
    crash: number;
    accessDenied: number;
    notRecognized: number;
    /** Permission reads answered from the state before the latest write (staleReadsAfterWrite). */
    staleRead: number;
    /** Calls that could not yet resolve a just-created principal (principalLagCalls). */
    principalLag: number;
    /** HTTP 429 answers (tooManyRequestsFirst). */
    tooManyRequests: number;
    /** HTTP 500 answers (serverErrorFirst). */
    serverError: number;
  };
  /** Virtual time spent (connect + cmdlets + disconnect), ms. */
  virtualMs: number;
}

export function emptyStats(): SimStats {
  return {
    sessions: 0,
    connects: 0,
    disconnects: 0,
    cmdlets: {},
    byKind: { read: 0, write: 0 },
    errors: 0,
    faults: {
      throttle: 0,
      spNotFoundYet: 0,
      crash: 0,
      accessDenied: 0,
      notRecognized: 0,
      staleRead: 0,
      principalLag: 0,
      tooManyRequests: 0,
      serverError: 0,
    },
    virtualMs: 0,
  };
}

/** a + b, field by field. */
export function addStats(a: SimStats, b: SimStats): SimStats {
  const cmdlets = { ...a.cmdlets };
  for (const [k, v] of Object.entries(b.cmdlets)) cmdlets[k] = (cmdlets[k] ?? 0) + v;
  // Union of keys: a stats file written before a fault kind existed still merges.
  const faults = { ...emptyStats().faults };
  for (const k of Object.keys(faults) as (keyof SimStats["faults"])[])
    faults[k] = (a.faults[k] ?? 0) + (b.faults[k] ?? 0);
  return {
    sessions: a.sessions + b.sessions,
    connects: a.connects + b.connects,
    disconnects: a.disconnects + b.disconnects,
    cmdlets,
    byKind: { read: a.byKind.read + b.byKind.read, write: a.byKind.write + b.byKind.write },
    errors: a.errors + b.errors,
    faults,
    virtualMs: a.virtualMs + b.virtualMs,
  };
}

/** The stats file's content (zeros when it does not exist yet). */
export function readSimStats(path: string): SimStats {
  if (!existsSync(path)) return emptyStats();
  return addStats(emptyStats(), JSON.parse(readFileSync(path, "utf8")) as SimStats);
}

/** Add `delta` to the file under a lock directory (several simulators may share one file). */
export function mergeSimStats(path: string, delta: SimStats, timeoutMs = 10_000): void {
  withFileLock(
    path,
    () => writeFileAtomic(path, JSON.stringify(addStats(readSimStats(path), delta), null, 2) + "\n"),
    timeoutMs,
    "simulator stats",
  );
}
