// The driver's lines while it waits (stderr), one short line each: what is retried or read again,
// why in a few words, the attempt, the next wait and what is left of the run's one budget
// (budget.ts). Exchange's whole message is printed once, the first time it is seen; afterwards
// its first sentence only. The final error still carries the whole message (observe.ts rephrase).
//   Add-MailboxPermission on a@contoso.com: transient error, attempt 2 in 2000 ms, 598 s of the budget left; Exchange said: Error while querying REST service. HttpStatusCode=429 ErrorMessage=…
//   Add-MailboxPermission on b@contoso.com: transient error (Error while querying REST service.), attempt 2 in 2000 ms, 596 s of the budget left
import { duration, roughDuration } from "../cli/words";
import type { ExchangeErrorKind } from "./errors";

/** A session retry, as session.ts reports it. */
export interface RetryNotice {
  cmdlet: string;
  target?: string;
  /** The attempt that failed (1-based): the next is attempt + 1. */
  attempt: number;
  delayMs: number;
  /** Exchange's text (redacted). */
  message: string;
  kind: ExchangeErrorKind;
  /** What is left of the run's budget, ms. */
  budgetLeftMs: number;
}

/** Why a retry, in a few words (errors.ts RETRYABLE_KINDS). */
export function retryReason(kind: ExchangeErrorKind): string {
  switch (kind) {
    case "spNotFoundYet":
      return "Exchange does not see the service principal yet";
    case "principalNotVisibleYet":
      return "Exchange does not resolve the principal yet";
    default:
      return "transient error";
  }
}

/** The first sentence of `text`, at most `max` characters ("…" when cut). */
export function firstSentence(text: string, max = 100): string {
  const end = /[.!?](\s|$)/.exec(text);
  const sentence = (end ? text.slice(0, end.index + 1) : text).trim();
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence;
}

/** "598 s of the budget left" */
export function budgetLeft(ms: number): string {
  return `${roughDuration(Math.max(0, ms))} of the budget left`;
}

/**
 * A message in a few words: its first sentence, and the HTTP status the REST module names
 * ("Error while querying REST service. HttpStatusCode=429"), which its first sentence leaves out.
 */
export function gist(message: string): string {
  const status = /\bHttpStatusCode=\d+/.exec(message)?.[0];
  const first = firstSentence(message);
  return status && !first.includes(status) ? `${first} ${status}` : first;
}

/**
 * A printer of retry lines that shows each distinct message in full once per run: messages that
 * differ only in the call's target (one throttling message for 1,000 mailboxes) count as one.
 */
export function retryLines(log: (line: string) => void): (n: RetryNotice) => void {
  const shown = new Set<string>();
  return (n) => {
    const where = n.target ? `${n.cmdlet} on ${n.target}` : n.cmdlet;
    const key = `${n.kind}\u0000${n.target ? n.message.split(n.target).join("\u0000") : n.message}`;
    const first = !shown.has(key);
    shown.add(key);
    const reason = first ? retryReason(n.kind) : `${retryReason(n.kind)} (${gist(n.message)})`;
    const line = `${where}: ${reason}, attempt ${n.attempt + 1} in ${duration(n.delayMs)}, ${budgetLeft(n.budgetLeftMs)}`;
    log(first ? `${line}; Exchange said: ${n.message}` : line);
  };
}

/** "Grant FullAccess on a@…; Revoke SendAs on b@… and 998 more": the first `max` of a list. */
export function someOf(items: readonly string[], max = 2): string {
  const shown = items.slice(0, max).join("; ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
