// Kill and rerun: a run of the Exchange step killed after EVERY cmdlet of a clean run — the
// simulator commits the k-th cmdlet and dies unanswered (EXO_SIM_FAULTS crashAfter) — then the next
// run gets the record of the run before, as @pulumi/command hands it over after a failed run
// (docs/pulumi-lifecycle.md), and must converge to what the clean run reached.
import { parseRecord } from "../../../../components/exchange-step/record";
import type { DesiredMailbox } from "../../../../components/exchange-step/state";
import { cmdlets, dispose, drive, fork, newBenchTenant, ours, pool, type BenchTenant } from "../driver";
import { figure, progress, type Figure } from "../figure";

export const title = "Kill and rerun at every cmdlet position";

const A = "a@contoso.com";
const B = "b@contoso.com";
const C = "c@contoso.com";
const FIRST: DesiredMailbox[] = [
  { address: A, sendAs: false },
  { address: B, sendAs: true },
];

interface Scenario {
  name: string;
  command: "apply" | "remove";
  mailboxes: DesiredMailbox[];
  setup(): Promise<{ t: BenchTenant; record: string }>;
}

async function deployed(): Promise<{ t: BenchTenant; record: string }> {
  const t = newBenchTenant([A, B, C]);
  const first = await drive("apply", t, FIRST, undefined);
  if (first.code !== 0) throw new Error(`setting up: the first apply failed:\n${first.stderr}`);
  return { t, record: first.stdout };
}

const SCENARIOS: Scenario[] = [
  {
    name: "apply (the first deploy)",
    command: "apply",
    mailboxes: FIRST,
    setup: async () => ({ t: newBenchTenant([A, B, C]), record: "" }),
  },
  {
    name: "update (one mailbox added, one removed, SendAs moved)",
    command: "apply",
    mailboxes: [
      { address: B, sendAs: false },
      { address: C, sendAs: true },
    ],
    setup: deployed,
  },
  { name: "remove (pulumi destroy)", command: "remove", mailboxes: FIRST, setup: deployed },
];

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const sc of SCENARIOS) {
    const { t, record } = await sc.setup();
    const clean = fork(t);
    const ok = await drive(sc.command, clean, sc.mailboxes, record);
    if (ok.code !== 0) throw new Error(`${sc.name}: the clean run failed:\n${ok.stderr}`);
    const expected = JSON.stringify(ours(clean));
    const expectedRecord = JSON.stringify(parseRecord(ok.stdout));
    const n = cmdlets(ok.stats);
    progress(`${sc.name}: killing after each of ${n} cmdlets`);
    const failures: string[] = [];
    let converged = 0;
    await pool(
      Array.from({ length: n }, (_, i) => i + 1),
      2,
      async (k) => {
        const tk = fork(t);
        try {
          const killed = await drive(sc.command, tk, sc.mailboxes, record, { crashAfter: k });
          if (killed.code === 0 || killed.stdout !== "")
            return void failures.push(`k=${k}: the killed run did not fail`);
          const next = await drive(sc.command, tk, sc.mailboxes, record);
          const same =
            JSON.stringify(ours(tk)) === expected &&
            JSON.stringify(parseRecord(next.stdout)) === expectedRecord;
          if (next.code === 0 && same) converged++;
          else failures.push(`k=${k}: exit ${next.code}, ${JSON.stringify(ours(tk))}`);
        } finally {
          dispose(tk);
        }
      },
    );
    dispose(t, clean);
    figures.push(
      figure(
        `${sc.command} killed after cmdlet k, then rerun: ${sc.name}`,
        `${converged}/${n}`,
        "n/n converge to the clean run's state and record",
        converged === n,
        failures.length ? failures.slice(0, 3).join("; ") : `k = 1 … ${n}, each a fresh copy of the tenant`,
      ),
    );
  }
  return figures;
}
