// Backoff for Exchange's transient errors. No official figure exists for throttling or for
// AADServicePrincipalNotFound after creating the Entra SP (docs/microsoft-contract.md: community
// scripts retry every 10–20 s for up to ~5 min): exponential backoff with jitter, never a fixed
// sleep, within the run's one budget (budget.ts).

export interface RetryPolicy {
  /** Delay before the 2nd attempt; doubles each attempt. */
  baseDelayMs: number;
  /** Cap for one delay. */
  maxDelayMs: number;
}

/**
 * Delay after failed attempt `attempt` (1-based): "equal jitter" — half of
 * min(max, base × 2^(attempt−1)) fixed, the other half random, so retries never synchronise
 * and never shrink to nothing.
 */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
