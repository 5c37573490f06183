// A client secret's life over many scheduled `pulumi up`s on the multi-run engine, measured the way
// its consumers live it: which secret each run published, when each one stopped working (deleted
// by a run, deleted or expired out of band, or past its end), and how long a consumer was left with
// a dead one. Shared by the day-two tests (test/offline-tenant/harness/engine/) and the reliability
// bench (scripts/bench/reliability/sections/second-up-secrets.ts).
//
//   const t = secretTimelineTenant({ tenantId, mailboxes: ["helpdesk@contoso.com"] });
//   const result = await runSecretTimeline({
//     engine: t.engine(), statePath: t.statePath, runs: daily("2026-04-01T02:00:00Z", 120),
//     config: (at) => (at < change ? before : after), refresh: true,
//     edits: [{ at: Date.parse("2026-04-10T12:00:00Z"), edit: (s, now) => deletePassword(s, now.published!) }],
//   });
//   result.outageDays, result.laggardOutageDays, result.publishedDeletedByRun, result.minPreviousGraceDays
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { RotationRecord } from "../../../components/rotationTransition";
import { handEdit } from "../graph/hand-edits";
import { newTenantState, readState, writeState, type TenantState } from "../state";
import type { Engine, RunResult } from "./engine/engine";
import { offlineEngine, type OfflineEngineOptions } from "./engine/offline";

const DAY_MS = 86_400_000;

/** One scheduled run's view, as the timeline keeps it. */
export interface TimelineRun {
  at: number;
  ok: boolean;
  error?: string;
  /** "op Type name" of each step that changed something (refresh, create, replace, delete). */
  changes: string[];
  /** `clientSecretKeyId` after the run (the last successful run's when this one failed). */
  published?: string;
  /** The `rotation` output after the run. */
  rotation?: RotationRecord;
  /** What the program logged as warnings. */
  warnings: string[];
}

/** One password's life in the tenant. */
export interface KeyLife {
  createdAt: number;
  endDate: number;
  /** When it left the tenant, and who removed it. */
  deletedAt?: number;
  deletedBy?: "run" | "hand";
  /** A hand edit moved its end (expirePassword): when. */
  expiredByHandAt?: number;
}

export interface TimelineEdit {
  /** When the admin makes the edit (between runs). */
  at: number;
  /** Changes the tenant as the portal would; `now.published` is the key id the stack publishes. */
  edit: (s: TenantState, now: { published?: string; at: number }) => void;
}

export interface SecretTimelineOptions {
  engine: Engine;
  statePath: string;
  /** Run instants, ms, ascending. */
  runs: number[];
  /** The stack config in force for the run at `at` (keys without the `exo-oauth:` prefix). */
  config: (at: number) => Record<string, unknown>;
  /** `pulumi up --refresh` (default false: `pulumi up`). */
  refresh?: boolean | ((at: number) => boolean);
  edits?: TimelineEdit[];
}

export interface SecretTimeline {
  runs: TimelineRun[];
  keys: Map<string, KeyLife>;
  /** Each change of the published key: when (the run), to which key, from which. */
  publishes: Array<{ at: number; keyId: string; previous?: string; graceDays: number }>;
  /**
   * Days, over the whole timeline, during which the secret the stack publishes did not work, not
   * counting the time from an out-of-band deletion or expiry to the next run (the stack cannot see
   * it earlier): what a consumer that re-reads after every run lives.
   */
  outageDays: number;
  /**
   * Days a consumer that re-reads only `graceDays` after each publish held a dead secret: the
   * previous secret died before its grace was over (publishes that replaced a secret lost out of
   * band are not counted: that secret was already dead).
   */
  laggardOutageDays: number;
  /** Runs that deleted the working secret published before them (consumers cut off by the stack itself). */
  publishedDeletedByRun: number;
  /** Fewest days the previous secret kept working after a publish (Infinity: none died). */
  minPreviousGraceDays: number;
  /** Runs that failed. */
  failedRuns: number;
}

/** `count` instants, one a day from `first` (ISO 8601). */
export function daily(first: string, count: number, everyDays = 1): number[] {
  const t0 = Date.parse(first);
  return Array.from({ length: count }, (_, i) => t0 + i * everyDays * DAY_MS);
}

/** Runs `opts.runs` through the engine, applying the edits between runs, and measures the secret's life. */
export async function runSecretTimeline(opts: SecretTimelineOptions): Promise<SecretTimeline> {
  const keys = new Map<string, KeyLife>();
  const runs: TimelineRun[] = [];
  const edits = [...(opts.edits ?? [])].sort((a, b) => a.at - b.at);
  let published: string | undefined;
  const observe = (at: number, by: "run" | "hand") => {
    const live = new Map(readState(opts.statePath).entra.passwords.map((p) => [p.keyId, p]));
    for (const [keyId, p] of live) {
      const k = keys.get(keyId);
      const end = Date.parse(p.endDate);
      if (!k) keys.set(keyId, { createdAt: at, endDate: end });
      else if (k.endDate !== end) {
        k.endDate = end;
        if (by === "hand") k.expiredByHandAt = at;
      }
    }
    for (const [keyId, k] of keys)
      if (k.deletedAt === undefined && !live.has(keyId)) Object.assign(k, { deletedAt: at, deletedBy: by });
  };

  // Pulumi's debuggablePromise records `new Error().stack` for every promise; under source maps
  // that dominates a run. Stack traces play no part in what is measured.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    observe(opts.runs[0] ?? 0, "hand");
    for (const at of opts.runs) {
      while (edits.length && edits[0].at <= at) {
        const e = edits.shift()!;
        handEdit(opts.statePath, (s) => e.edit(s, { published, at: e.at }));
        observe(e.at, "hand");
      }
      const refresh = typeof opts.refresh === "function" ? opts.refresh(at) : (opts.refresh ?? false);
      const warnings: string[] = [];
      const r = await withWarnings(warnings, () =>
        opts.engine.up({ config: opts.config(at), now: new Date(at).toISOString(), refresh }),
      );
      observe(at, "run");
      if (r.ok) published = String(r.outputs.clientSecretKeyId);
      runs.push({
        at,
        ok: r.ok,
        ...(r.error ? { error: r.error.message } : {}),
        changes: changesOf(r),
        published,
        rotation: r.outputs.rotation as RotationRecord | undefined,
        warnings,
      });
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  return measure(runs, keys, opts);
}

function measure(
  runs: TimelineRun[],
  keys: Map<string, KeyLife>,
  opts: SecretTimelineOptions,
): SecretTimeline {
  const end = opts.runs.at(-1)! + DAY_MS;
  const death = (k: KeyLife) => Math.min(k.endDate, k.deletedAt ?? Infinity);
  // From when the stack could have seen a key's loss: at once for its own deletes and for a
  // natural end; from the next run for a hand edit.
  const visibleFrom = (k: KeyLife) => {
    const d = death(k);
    const byHand = (k.deletedBy === "hand" && k.deletedAt === d) || k.expiredByHandAt !== undefined;
    const edited = Math.max(d, k.expiredByHandAt ?? -Infinity);
    return byHand ? (runs.find((r) => r.at >= edited)?.at ?? end) : d;
  };
  let outage = 0;
  for (let i = 0; i < runs.length; i++) {
    const key = runs[i].published && keys.get(runs[i].published!);
    if (!key) continue;
    const from = Math.max(runs[i].at, visibleFrom(key));
    const to = runs[i + 1]?.at ?? end;
    if (from < to) outage += to - from;
  }
  const publishes: SecretTimeline["publishes"] = [];
  let deletedByRun = 0;
  for (let i = 0; i < runs.length; i++) {
    const before = runs[i - 1]?.published;
    const now = runs[i].published;
    const old = before ? keys.get(before) : undefined;
    // Only a secret that still worked counts: replacing one already dead (expired) cuts no one off.
    if (old?.deletedBy === "run" && old.deletedAt === runs[i].at && old.endDate > runs[i].at) deletedByRun++;
    if (runs[i].ok && now && now !== before) {
      const secret = opts.config(runs[i].at).secret as { graceDays?: number } | undefined;
      publishes.push({ at: runs[i].at, keyId: now, previous: before, graceDays: secret?.graceDays ?? 14 });
    }
  }
  let laggard = 0;
  let minGrace = Infinity;
  for (const p of publishes) {
    const old = p.previous ? keys.get(p.previous) : undefined;
    if (
      !old ||
      (old.deletedBy === "hand" && old.deletedAt! <= p.at) ||
      (old.expiredByHandAt ?? Infinity) <= p.at
    )
      continue;
    const d = death(old);
    minGrace = Math.min(minGrace, (d - p.at) / DAY_MS);
    const lost = Math.min(p.at + p.graceDays * DAY_MS, end) - Math.max(p.at, d);
    if (lost > 0) laggard += lost;
  }
  return {
    runs,
    keys,
    publishes,
    outageDays: outage / DAY_MS,
    laggardOutageDays: laggard / DAY_MS,
    publishedDeletedByRun: deletedByRun,
    minPreviousGraceDays: minGrace,
    failedRuns: runs.filter((r) => !r.ok).length,
  };
}

function changesOf(r: RunResult): string[] {
  return r.steps
    .filter((s) => s.op !== "same" && s.op !== "read")
    .map((s) => `${s.op} ${s.type.split(":").pop()} ${s.name}`);
}

/** Collects what the program logs with pulumi.log.warn during `fn` (the CLI would print it). */
async function withWarnings<T>(into: string[], fn: () => Promise<T>): Promise<T> {
  // The program runs in this process, on this @pulumi/pulumi: wrap its log.warn for the run.
  const log = pulumi.log as { warn: typeof pulumi.log.warn };
  const warn = log.warn;
  log.warn = (msg: string) => {
    into.push(msg);
    return Promise.resolve();
  };
  try {
    return await fn();
  } finally {
    log.warn = warn;
  }
}

/** A throwaway offline tenant for a timeline: its state file and engines over it (no saved checkpoint). */
export function secretTimelineTenant(t: { tenantId: string; mailboxes: string[] }): {
  statePath: string;
  engine: (opts?: OfflineEngineOptions) => Engine;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-timeline-"));
  const statePath = join(dir, "tenant.json");
  writeState(statePath, newTenantState({ tenantId: t.tenantId, mailboxes: t.mailboxes }));
  return {
    statePath,
    engine: (o = {}) => offlineEngine({ statePath }, o),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
