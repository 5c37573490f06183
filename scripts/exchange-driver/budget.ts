// The run's ONE time budget (docs/exchange-step.md, "Consistency policy"): every wait of a driver
// run — the session's retries of transient errors and the read-after-write checks — comes out of
// the same `exo-oauth:exchange.retryDeadlineSeconds`, counted from the start of the run, as
// terraform-provider-azuread's waits all end at the operation's context deadline. The clock is
// injected, so tests and table tests never sleep for real.
import { RETRY_DEADLINE_SECONDS } from "../../components/exchange-step/settings";
import { ExchangeSessionError } from "./errors";
import type { RetryPolicy } from "./retry";

/** Time as the driver sees it. */
export interface Clock {
  /** Milliseconds, monotonic enough for budgets. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
};

/** A clock that only moves when slept on (tests, dry runs): `sleeps` lists every wait. */
export function virtualClock(startMs = 0): Clock & { sleeps: number[] } {
  let t = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** Development knob: the first backoff delay in ms (fast tests: `EXO_OAUTH_RETRY_BASE_MS=5`). Not part of the Command's contract. */
export const RETRY_BASE_ENV = "EXO_OAUTH_RETRY_BASE_MS";
export const DEFAULT_BASE_DELAY_MS = 2000;
export const DEFAULT_MAX_DELAY_MS = 30_000;

/** EXO_OAUTH_RETRY_BASE_MS: unset/empty → undefined; not a non-negative number → a clear error. */
export function retryBaseFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0)
    throw new ExchangeSessionError(`${RETRY_BASE_ENV}='${raw}' is not a non-negative number of milliseconds`);
  return ms;
}

export interface RunBudget {
  readonly clock: Clock;
  /** The whole budget, ms. */
  readonly totalMs: number;
  /** How waits grow (the same for retries and read-after-write checks). */
  readonly policy: RetryPolicy;
  /** Since the run started. */
  elapsedMs(): number;
  /** Whether waiting `ms` more ends within the budget. */
  affords(ms: number): boolean;
  /** "exo-oauth:exchange.retryDeadlineSeconds = 600 s", for messages. */
  describe(): string;
}

export interface RunBudgetOptions {
  /** The run's budget (settings.retryDeadlineSeconds). Default RETRY_DEADLINE_SECONDS.default. */
  deadlineSeconds?: number;
  clock?: Clock;
  /** Default DEFAULT_BASE_DELAY_MS. */
  baseDelayMs?: number;
  /** Default DEFAULT_MAX_DELAY_MS. */
  maxDelayMs?: number;
}

/** Starts the clock of a run's budget now. */
export function startRunBudget(o: RunBudgetOptions = {}): RunBudget {
  const clock = o.clock ?? SYSTEM_CLOCK;
  const seconds = o.deadlineSeconds ?? RETRY_DEADLINE_SECONDS.default;
  const totalMs = seconds * 1000;
  const startedAt = clock.now();
  const elapsedMs = () => clock.now() - startedAt;
  return {
    clock,
    totalMs,
    policy: {
      baseDelayMs: o.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
      maxDelayMs: o.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    },
    elapsedMs,
    affords: (ms) => elapsedMs() + ms <= totalMs,
    describe: () => `exo-oauth:exchange.retryDeadlineSeconds = ${seconds} s`,
  };
}
