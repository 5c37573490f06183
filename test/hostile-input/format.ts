// The hostile-input corpus: one format for every part's cases (config and environment values that
// reach the runbook and the decoder; the driver's process; verify's servers …). A part registers
// cases by adding a file `<part>.cases.ts` to this folder that exports `cases: HostileCase[]` (or
// `cases(): Promise<HostileCase[]>`); test/hostile-input/corpus.test.ts runs every file's cases
// and `npm run bench:reliability` counts them (scripts/bench/reliability/sections/hostile-input.ts).
// Nothing else to edit (docs/security.md, "What the tests check").
import { firstInvisible } from "../../components/identifiers";

/** What a hostile input must meet. */
export type Expectation =
  /** Refused before anything runs, with a message that `says` each substring and is printable. */
  | "refused"
  /** Accepted, and harmless where it lands (the attempt says how it checked that). */
  | "accepted safely";

/** What happened when the input was tried. */
export type Attempt =
  { outcome: "refused"; message: string } | { outcome: "accepted"; harmless: boolean; detail?: string };

/** One hostile input. */
export interface HostileCase {
  /** Unique within the corpus, printable: "config application.displayName: LF then Remove-Mailbox". */
  name: string;
  /** The surface it hits: "stack config", "driver environment", "npm run exchange -- runbook", … */
  area: string;
  expect: Expectation;
  /** Substrings a refusal must hold (the key or variable, the code point, what is allowed). */
  says?: string[];
  /** Tries the input on the real code. Throwing is a fault (an unexpected crash). */
  attempt(): Attempt | Promise<Attempt>;
}

/** A case's result: ok, or the fault found. */
export interface Verdict {
  ok: boolean;
  fault?: string;
}

/** Whether `attempt` meets the case's expectation. */
export function judge(c: HostileCase, a: Attempt): Verdict {
  if (c.expect === "refused") {
    if (a.outcome !== "refused") return { ok: false, fault: `accepted${a.detail ? ` (${a.detail})` : ""}` };
    const hidden = firstInvisible(a.message.replace(/\n/g, " "));
    if (hidden)
      return { ok: false, fault: `the refusal prints U+${hidden.char.codePointAt(0)!.toString(16)} raw` };
    const missing = (c.says ?? []).filter((s) => !a.message.includes(s));
    if (missing.length)
      return {
        ok: false,
        fault: `the refusal does not say ${missing.map((s) => JSON.stringify(s)).join(", ")}: ${a.message}`,
      };
    return { ok: true };
  }
  if (a.outcome === "refused") return { ok: false, fault: `refused a value that is allowed: ${a.message}` };
  return a.harmless ? { ok: true } : { ok: false, fault: `not harmless: ${a.detail ?? "(no detail)"}` };
}

/** Runs a case and judges it; a throw is a fault. */
export async function runCase(c: HostileCase): Promise<Verdict & { attempt?: Attempt }> {
  try {
    const attempt = await c.attempt();
    return { ...judge(c, attempt), attempt };
  } catch (err) {
    return { ok: false, fault: `crashed: ${(err as Error).message.split("\n")[0]}` };
  }
}
