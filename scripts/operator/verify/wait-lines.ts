// verify --wait's lines between rounds (stderr): the token's claims are printed once (again only
// when they change: consent reached the token), then ONE line per round:
//   round 3: IMAP still refused (AUTHENTICATE failed), next try in 60 s, 4 min left
//   round 4: 1 more login passes; all 2 logins pass
import type { Protocol } from "../../../components/microsoft";
import { count, roughDuration } from "../../cli/words";
import { protocolName } from "./diagnosis";
import type { TokenClaims } from "./token";

/** What a round line needs of a login (run.ts LoginReport). */
export interface RoundLogin {
  mailbox: string;
  protocol: Protocol;
  check?: "send-as";
  /** The server's last answer, when the login was attempted and refused. */
  serverResponse?: string;
  /** Why it is failing (attempted or not). */
  cause?: { summary: string };
}

export interface Round {
  round: number;
  /** Logins in all. */
  logins: number;
  /** Logins that passed in this round. */
  newlyPassed: number;
  failing: readonly RoundLogin[];
  /** Absent on the last round (all passed, or --wait ended). */
  nextMs?: number;
  leftMs?: number;
}

/** Whether two tokens say the same about who the app is and what it may do (exp aside). */
export function sameClaims(a: TokenClaims, b: TokenClaims): boolean {
  return (
    a.tid === b.tid &&
    a.appid === b.appid &&
    a.oid === b.oid &&
    [...a.roles].sort().join(" ") === [...b.roles].sort().join(" ")
  );
}

/**
 * A server's answer without its status: "NO AUTHENTICATE failed." → "AUTHENTICATE failed",
 * "535 5.7.3 Authentication unsuccessful" → "Authentication unsuccessful"; at most `max` characters.
 */
export function shortAnswer(text: string, max = 60): string {
  const bare = text
    .trim()
    .replace(/^(\S+ )?(NO|BAD|-ERR)\s+/i, "")
    .replace(/^\d{3}[ -](\d\.\d{1,3}\.\d{1,3}\s+)?/, "")
    .replace(/[.\s]+$/, "");
  return bare.length > max ? `${bare.slice(0, max - 1)}…` : bare;
}

/** A cause's first sentence, at most `max` characters. */
function firstSentence(text: string, max = 60): string {
  const end = /[.;](\s|$)/.exec(text);
  const s = (end ? text.slice(0, end.index) : text).trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** "round 3: IMAP still refused (AUTHENTICATE failed), next try in 60 s, 4 min left" */
export function roundLine(r: Round): string {
  const still = r.round > 1 ? "still " : "";
  // Grouped by what fails and why, in first-seen order: "IMAP still refused on 2 mailboxes (…)".
  const groups = new Map<string, number>();
  for (const l of r.failing) {
    const what = l.check === "send-as" ? "SMTP send-as" : protocolName(l.protocol);
    const key = l.serverResponse
      ? `${what} ${still}refused\u0000${shortAnswer(l.serverResponse)}`
      : `${what} not tried\u0000${firstSentence(l.cause?.summary ?? "no token")}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const failing = [...groups].map(([key, n]) => {
    const [what, why] = key.split("\u0000");
    return `${what}${n > 1 ? ` on ${count(n, "mailbox", "mailboxes")}` : ""} (${why})`;
  });
  const parts: string[] = [];
  if (r.newlyPassed > 0 && r.failing.length > 0)
    parts.push(
      `${r.newlyPassed} ${r.round > 1 ? "more " : ""}${r.newlyPassed === 1 ? "login passes" : "logins pass"}`,
    );
  if (r.failing.length === 0) parts.push(r.logins === 1 ? "the login passes" : `all ${r.logins} logins pass`);
  else parts.push(failing.join("; "));
  const next =
    r.nextMs !== undefined && r.leftMs !== undefined
      ? `, next try in ${roughDuration(r.nextMs)}, ${roughDuration(r.leftMs)} left`
      : r.failing.length > 0
        ? ", --wait ended"
        : "";
  return `round ${r.round}: ${parts.join("; ")}${next}`;
}
