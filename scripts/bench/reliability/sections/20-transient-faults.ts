// Transient faults at a RATE: every cmdlet call fails with Exchange's transient server error with
// probability r (EXO_SIM_FAULTS transientRate, its own seed per run). The driver retries within one
// budget per run (exo-oauth:exchange.retryDeadlineSeconds, default 600 s); a run that still fails is
// followed by the next scheduled run. Converges = Exchange holds the desired grants and the run
// printed its record.
import type { DesiredMailbox } from "../../../../components/exchange-step/state";
import { RETRY_DEADLINE_SECONDS } from "../../../../components/exchange-step/settings";
import { dispose, drive, newBenchTenant, ours, pool } from "../driver";
import { figure, progress, type Figure } from "../figure";

export const title = "Transient Exchange faults at a rate";

const RATES = [0, 0.1, 0.25, 0.5];
const TRIALS = 8;
/** A daily pipeline that needs more runs than this has left the tenant unconverged for days. */
const MAX_RUNS = 3;
const MAILBOXES: DesiredMailbox[] = [
  { address: "a@contoso.com", sendAs: false },
  { address: "b@contoso.com", sendAs: true },
  { address: "c@contoso.com", sendAs: false },
];
const EXPECTED = JSON.stringify({
  sp: true,
  fullAccess: ["a@contoso.com", "b@contoso.com", "c@contoso.com"],
  sendAs: ["b@contoso.com"],
});
const BUDGET_MS = RETRY_DEADLINE_SECONDS.default * 1000;

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const rate of RATES) {
    progress(`transient faults at ${rate * 100} %: ${TRIALS} trials`);
    const runsNeeded: number[] = [];
    let longestMs = 0;
    let faults = 0;
    await pool(
      Array.from({ length: TRIALS }, (_, i) => i + 1),
      2,
      async (trial) => {
        const t = newBenchTenant(MAILBOXES.map((m) => m.address));
        let record: string | undefined;
        try {
          for (let runNo = 1; runNo <= MAX_RUNS + 2; runNo++) {
            const r = await drive("apply", t, MAILBOXES, record, {
              transientRate: rate,
              seed: trial * 1000 + runNo,
            });
            longestMs = Math.max(longestMs, r.simulatedMs);
            faults += r.stats.faults.throttle;
            if (r.code === 0) record = r.stdout;
            if (r.code === 0 && JSON.stringify(ours(t)) === EXPECTED) return void runsNeeded.push(runNo);
          }
          runsNeeded.push(Infinity);
        } finally {
          dispose(t);
        }
      },
    );
    const converged = runsNeeded.filter((n) => n <= MAX_RUNS).length;
    const max = Math.max(...runsNeeded);
    const label = `${rate * 100} %`;
    figures.push(
      figure(
        `transient faults ${label}: trials converged`,
        `${converged}/${TRIALS}`,
        `n/n within ${MAX_RUNS} runs`,
        converged === TRIALS,
        `${faults} faults injected in all`,
      ),
      figure(
        `transient faults ${label}: runs needed (most of any trial)`,
        Number.isFinite(max) ? max : `> ${MAX_RUNS + 2}`,
        `≤ ${MAX_RUNS}`,
        max <= MAX_RUNS,
        `mean ${(runsNeeded.reduce((a, b) => a + b, 0) / TRIALS).toFixed(2)}`,
      ),
      figure(
        `transient faults ${label}: longest run, simulated`,
        `${(longestMs / 1000).toFixed(1)} s`,
        `≤ ${BUDGET_MS / 1000} s (the run's budget)`,
        longestMs <= BUDGET_MS,
      ),
    );
  }
  return figures;
}
