// The offline Exchange's knobs — a stable, documented interface (docs/powershell-tier.md,
// "Knobs"): read from the environment of the simulator process (fake tier) or of the stand-in
// module's pwsh, which hands them to the REST front when it connects (real tier). Counts are
// per connection, i.e. per driver run in both tiers. Every knob is validated: a typo fails
// loudly, naming the key and what is allowed.
import { CMDLETS } from "./params";

/** EXO_SIM_FAULTS (JSON). Counts are per connection (= per driver run). */
export interface SimFaults {
  /** Answer the first M cmdlet calls with the transient server error (connect excluded). */
  throttleFirst?: number;
  /**
   * A fault RATE: each cmdlet call (connect excluded; throttleCmdlets restricts them) fails with the
   * same transient server error with this probability, 0 to 1. Drawn from a PRNG seeded with `seed`.
   */
  transientRate?: number;
  /** The seed of transientRate's draws (default 1): the same seed meets the same faults, run after run. */
  seed?: number;
  /** Restrict throttleFirst to these cmdlets (default: every cmdlet). */
  throttleCmdlets?: string[];
  /** Answer the first K New-ServicePrincipal calls whose Entra SP exists with AADServicePrincipalNotFound (replication lag). */
  spNotFoundFirst?: number;
  /** Commit the k-th cmdlet call (1-based, connect excluded), then exit without answering it. */
  crashAfter?: number;
  /** These cmdlets always fail with Exchange's out-of-write-scope error (permanent, access denied). */
  accessDenied?: string[];
  /** These cmdlets are missing from the caller's RBAC: "The term '…' is not recognized". */
  notRecognized?: string[];
  /**
   * Eventual consistency: after each write, the next N Get-MailboxPermission /
   * Get-RecipientPermission calls still see the state from before the session's first write
   * (a replica that is behind on permission rows; principals are current).
   */
  staleReadsAfterWrite?: number;
  /**
   * Directory replication: after New-ServicePrincipal creates a principal, the next N calls
   * that name it in -User / -Trustee fail with Ex94914C "Couldn't find object "<principal>"".
   */
  principalLagCalls?: number;
  /** The first M cmdlet requests get HTTP 429 with Retry-After (throttleCmdlets restricts them). */
  tooManyRequestsFirst?: number;
  /** Retry-After of those 429s, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** The first M cmdlet requests (after any 429s) get HTTP 500 with an ADTransientException body. */
  serverErrorFirst?: number;
  /**
   * Properties left out of every object Exchange returns — for proving the driver does not
   * depend on one unconfirmed property. Allowed: Sid, UserSid, TrusteeSidString.
   */
  omitProperties?: string[];
}

/** What omitProperties may name. */
export const OMITTABLE_PROPERTIES = ["Sid", "UserSid", "TrusteeSidString"] as const;

/** EXO_SIM_LATENCY (JSON): the virtual clock's costs, in ms. Nothing actually sleeps. */
export interface SimLatency {
  /** Connect-ExchangeOnline. Default 4000 (no published figure: a few seconds; inferred). */
  connectMs: number;
  /** Get-… cmdlets. Default 300 (100–700 ms reported on one tenant: docs/microsoft-contract.md, "Throttling and latency"). */
  readMs: number;
  /** New-/Add-/Remove-… cmdlets. Default 700 (inferred). */
  writeMs: number;
  /** Disconnect-ExchangeOnline. Default 200 (inferred). */
  disconnectMs: number;
  /** Per-cmdlet overrides, e.g. { "Get-Mailbox": 480 }. */
  cmdletMs: Record<string, number>;
}

export const DEFAULT_LATENCY: SimLatency = {
  connectMs: 4000,
  readMs: 300,
  writeMs: 700,
  disconnectMs: 200,
  cmdletMs: {},
};

const FAULT_KEYS: Record<keyof SimFaults, "count" | "names" | "properties" | "fraction"> = {
  throttleFirst: "count",
  transientRate: "fraction",
  seed: "count",
  throttleCmdlets: "names",
  spNotFoundFirst: "count",
  crashAfter: "count",
  accessDenied: "names",
  notRecognized: "names",
  staleReadsAfterWrite: "count",
  principalLagCalls: "count",
  tooManyRequestsFirst: "count",
  retryAfterSeconds: "count",
  serverErrorFirst: "count",
  omitProperties: "properties",
};

function parseJson(name: string, text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error(`${name} must be a JSON object`);
  return v as Record<string, unknown>;
}

/** A misspelt cmdlet would make a fault never fire (and a test of it pass vacuously). */
function knownCmdlet(key: string, name: string): void {
  if (!Object.hasOwn(CMDLETS, name))
    throw new Error(
      `${key}: '${name}' is not a cmdlet the simulator knows; allowed: ${Object.keys(CMDLETS).join(", ")}`,
    );
}

export function parseFaults(text: string | undefined): SimFaults {
  const raw = parseJson("EXO_SIM_FAULTS", text);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const kind = FAULT_KEYS[k as keyof SimFaults];
    if (!kind)
      throw new Error(`EXO_SIM_FAULTS: unknown key '${k}'; allowed: ${Object.keys(FAULT_KEYS).join(", ")}`);
    if (kind === "count" && !(Number.isInteger(v) && (v as number) >= 0))
      throw new Error(`EXO_SIM_FAULTS.${k}: ${JSON.stringify(v)} is not a non-negative integer`);
    if (kind === "fraction" && !(typeof v === "number" && v >= 0 && v <= 1))
      throw new Error(`EXO_SIM_FAULTS.${k}: ${JSON.stringify(v)} is not a number from 0 to 1`);
    if (kind === "properties") {
      const names = typeof v === "string" ? [v] : v;
      if (
        !Array.isArray(names) ||
        !names.every((n) => (OMITTABLE_PROPERTIES as readonly unknown[]).includes(n))
      )
        throw new Error(
          `EXO_SIM_FAULTS.${k}: ${JSON.stringify(v)} must name properties from: ${OMITTABLE_PROPERTIES.join(", ")}`,
        );
      out[k] = names;
      continue;
    }
    if (kind === "names") {
      const names = typeof v === "string" ? [v] : v;
      if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
        throw new Error(`EXO_SIM_FAULTS.${k}: ${JSON.stringify(v)} is not a cmdlet name or a list of them`);
      names.forEach((n) => knownCmdlet(`EXO_SIM_FAULTS.${k}`, n));
      out[k] = names;
      continue;
    }
    out[k] = v;
  }
  return out as SimFaults;
}

export function parseLatency(text: string | undefined): SimLatency {
  const raw = parseJson("EXO_SIM_LATENCY", text);
  const out: SimLatency = { ...DEFAULT_LATENCY, cmdletMs: {} };
  for (const [k, v] of Object.entries(raw)) {
    if (k === "cmdletMs") {
      if (!v || typeof v !== "object" || Array.isArray(v))
        throw new Error(`EXO_SIM_LATENCY.cmdletMs must be an object of cmdlet → ms`);
      for (const [c, ms] of Object.entries(v)) {
        knownCmdlet("EXO_SIM_LATENCY.cmdletMs", c);
        if (typeof ms !== "number" || ms < 0)
          throw new Error(
            `EXO_SIM_LATENCY.cmdletMs.${c}: ${JSON.stringify(ms)} is not a non-negative number`,
          );
        out.cmdletMs[c] = ms;
      }
      continue;
    }
    if (!(k in DEFAULT_LATENCY))
      throw new Error(
        `EXO_SIM_LATENCY: unknown key '${k}'; allowed: ${Object.keys(DEFAULT_LATENCY).join(", ")}`,
      );
    if (typeof v !== "number" || v < 0)
      throw new Error(`EXO_SIM_LATENCY.${k}: ${JSON.stringify(v)} is not a non-negative number`);
    (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}

/**
 * EXO_SIM_MODULE_RETRIES: how often the module itself re-sends a request Exchange answered
 * with HTTP 429 or 5xx before it surfaces an error (the real module retries transient
 * failures itself; its count is not published; inferred). Default 3.
 */
export const MODULE_RETRIES_ENV = "EXO_SIM_MODULE_RETRIES";
export const DEFAULT_MODULE_RETRIES = 3;

export function parseModuleRetries(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_MODULE_RETRIES;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 10)
    throw new Error(`${MODULE_RETRIES_ENV}: ${JSON.stringify(text)} is not an integer from 0 to 10`);
  return n;
}
