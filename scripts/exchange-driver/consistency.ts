// The ONE consistency policy for every read-after-write of a driver run (docs/exchange-step.md,
// "Consistency policy"). Exchange Online is eventually consistent: a read right after a write can
// reach a replica that has not seen it yet, and the next read may reach one that has, then one
// that has not. So a write counts as done only when CONFIRMING_READS consecutive reads agree with
// it, reading again with backoff in between, within the run's one budget (budget.ts).
//
// The pattern is terraform-provider-azuread's consistency primitive
// (internal/helpers/consistency/consistency.go, WaitForUpdate / WaitForUpdateWithTimeout): a
// StateChangeConf whose Timeout is the operation's context deadline and whose
// ContinuousTargetOccurence is 5; its refresh loop (terraform-plugin-sdk helper/retry/state.go,
// WaitForStateContext) doubles the wait after a disagreeing read, keeps it while the target is
// reoccurring, and treats an error from a read as an error, never as "not yet".

import { settingKnob } from "../../components/exchange-step/environment";
import { duration } from "./errors";
import type { RunBudget } from "./budget";

/**
 * Consecutive agreeing reads that make a write count as visible. terraform-provider-azuread
 * asks 5 reads at least 5 s apart of Microsoft Graph; for Exchange, whose reads cost a cmdlet
 * each per mailbox and for which Microsoft publishes no replication figure, two reads one
 * backoff apart: one agreeing read alone can be a lucky replica.
 */
export const CONFIRMING_READS = 2;

/** One read: whether Exchange shows what was written, and if not, what it shows instead. */
export type Reading = { agrees: true } | { agrees: false; shows: string };

export interface ConsistencyCheck {
  /** What was written, for messages: "Granting FullAccess on a@contoso.com to Mail (…)". */
  written: string;
  /** Reads Exchange once. A thrown error ends the wait at once (never read as "not yet"). */
  read(): Promise<Reading>;
}

/** Before each wait: what the last read said and how long the next wait is. */
export interface WaitEvent {
  reading: Reading;
  /** Agreeing reads in a row so far. */
  streak: number;
  delayMs: number;
}

export interface ConsistencyOptions {
  /** Default CONFIRMING_READS. */
  confirmations?: number;
  /**
   * The write's own answer already showed what was written (e.g. Add-MailboxPermission returned
   * the ACE it added: docs/exchange-step.md, "Consistency policy"): it counts as the first
   * agreeing read, so one read after the write can complete the streak. Default false. A
   * disagreeing read still resets the streak to 0, as any read does.
   */
  answerAgreed?: boolean;
  onWait?: (e: WaitEvent) => void;
}

export interface ConsistencyResult {
  reads: number;
  /** From the first read to the last, reads included. */
  waitedMs: number;
}

/** A write Exchange did not show consistently within the run's budget. */
export class ConsistencyError extends Error {
  override name = "ConsistencyError";
  constructor(
    readonly written: string,
    /** What the last read showed. */
    readonly shows: string,
    readonly reads: number,
    readonly waitedMs: number,
    budget: string,
  ) {
    super(
      `Verifying what this run wrote (${written}): Exchange still shows ${shows} after ${reads} read${reads === 1 ? "" : "s"} ` +
        `over ${duration(waitedMs)}, and the run's budget (${budget}) is spent. Exchange Online can take longer to show a ` +
        `change on every replica: run the deployment again (the next run reads Exchange first and writes only what is ` +
        `missing), or raise ${settingKnob("retryDeadlineSeconds")} (at most 3600).`,
    );
  }
}

/**
 * Reads until `confirmations` consecutive reads agree with what was written. The first read is
 * immediate; after a disagreeing read the wait doubles (base, 2 × base, … capped at the
 * policy's max), while agreeing reads repeat the current wait. Ends with ConsistencyError when
 * the next wait would overrun the budget.
 */
export async function waitForConsistency(
  check: ConsistencyCheck,
  budget: RunBudget,
  options: ConsistencyOptions = {},
): Promise<ConsistencyResult> {
  const confirmations = Math.max(1, options.confirmations ?? CONFIRMING_READS);
  const { baseDelayMs, maxDelayMs } = budget.policy;
  const started = budget.clock.now();
  const waited = () => budget.clock.now() - started;
  let waitMs = 0;
  let streak = options.answerAgreed && confirmations > 1 ? 1 : 0;
  for (let reads = 1; ; reads++) {
    const reading = await check.read();
    if (reading.agrees) {
      streak++;
      if (streak >= confirmations) return { reads, waitedMs: waited() };
      waitMs = Math.max(waitMs, baseDelayMs);
    } else {
      streak = 0;
      waitMs = Math.min(maxDelayMs, Math.max(baseDelayMs, waitMs * 2));
    }
    if (!budget.affords(waitMs)) {
      const shows = reading.agrees
        ? `it on ${streak} of the ${confirmations} reads in a row it needs`
        : reading.shows;
      throw new ConsistencyError(check.written, shows, reads, waited(), budget.describe());
    }
    options.onWait?.({ reading, streak, delayMs: waitMs });
    await budget.clock.sleep(waitMs);
  }
}
