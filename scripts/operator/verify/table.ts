// The human report: the token's claims, one row per mailbox × protocol (pass/fail, time, cause)
// and one per send-as check ("SMTP send-as", the mailbox sent as and the one logged in with),
// then each distinct cause once with what to do. Pure: report in, text out. Every value from
// outside (claims, addresses, a server's reply, a cause quoting it) is escaped
// (components/printable.ts); symbols and colour follow the terminal (scripts/cli/terminal.ts):
// ✓/✗ and colour on a UTF-8 terminal, "ok"/"FAIL" and none in a pipe.
import { printable } from "../../../components/printable";
import { paint, PLAIN, symbols, type Symbols, type Terminal } from "../../cli/terminal";
import type { Cause } from "./diagnosis";
import { protocolName } from "./diagnosis";
import type { VerifyReport } from "./run";

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

function ms(n: number | undefined, sym: Symbols): string {
  if (n === undefined) return sym.none;
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

/** Long server replies are cut in the table (the JSON report keeps them whole). */
function clip(text: string, max: number, sym: Symbols): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join("")}${sym.ellipsis}`;
}

/** A value from outside, safe to print. */
const v = (text: string) => printable(text);

export function renderTable(report: VerifyReport, terminal: Terminal = PLAIN): string {
  const sym = symbols(terminal);
  const lines: string[] = [];
  const how = report.credential === "secret" ? "client secret" : "certificate";
  // A header to paste into a ticket: what was verified, where, when.
  lines.push(
    `exo-oauth verify ${sym.dot} stack ${v(report.stack ?? "(none: options)")} ${sym.dot} ${v(report.startedAt ?? "")}`,
    `Tenant ${v(report.tenant)} ${sym.dot} application ${v(report.clientId)} ${sym.dot} ${how} ${sym.dot} ${v(report.authorityHost)}`,
  );
  const t = report.token;
  if (t.ok && t.claims) {
    const c = t.claims;
    lines.push(
      `Token  ${paint(terminal, "green", sym.pass)} ${ms(t.ms, sym)} ${sym.dot} tid ${v(c.tid)} ${sym.dot} appid ${v(c.appid)} ${sym.dot} oid ${v(c.oid)} ${sym.dot} aud ${v(c.aud)}`,
      `       roles ${c.roles.length ? v(c.roles.join(", ")) : "(none)"} ${sym.dot} expires ${v(c.expiresAt)}`,
    );
  } else {
    lines.push(`Token  ${paint(terminal, "red", sym.fail)} ${v(t.cause?.summary ?? "no token")}`);
  }
  lines.push("");

  // One footnote per cause: the same cause on several mailboxes (advice that differs only in the
  // address) is said once, for the first mailbox, with the others listed; on several protocols
  // (IMAP and POP need a check SMTP does not) once too, with every protocol's checks.
  const notes: { cause: Cause; mailboxes: string[]; key: string }[] = [];
  const noteOf = (cause: Cause, mailbox: string): number => {
    const general = (text: string) => text.split(mailbox).join("<mailbox>");
    const key = JSON.stringify([cause.id, general(cause.summary), general(cause.action)]);
    const i = notes.findIndex((n) => n.key === key);
    if (i >= 0) {
      const note = notes[i];
      const theirs = (note.cause.checks ?? []).map(general);
      const ours = (cause.checks ?? []).map(general);
      if (ours.some((c) => !theirs.includes(c)))
        note.cause = {
          ...note.cause,
          checks: mergeInOrder(theirs, ours).map((c) => c.split("<mailbox>").join(note.mailboxes[0])),
        };
      if (!note.mailboxes.includes(mailbox)) note.mailboxes.push(mailbox);
      return i + 1;
    }
    notes.push({ cause, mailboxes: [mailbox], key });
    return notes.length;
  };
  const rows = report.logins.map((l) => [
    l.check === "send-as" ? `${v(l.mailbox)} (via ${v(l.loginMailbox ?? "")})` : v(l.mailbox),
    l.check === "send-as" ? "SMTP send-as" : protocolName(l.protocol),
    l.ok ? sym.pass : sym.fail,
    l.attempted ? ms(l.ms, sym) : sym.none,
    l.ok
      ? l.attempts > 1
        ? `passed on attempt ${l.attempts}`
        : ""
      : l.cause
        ? `[${noteOf(l.cause, l.mailbox)}] ${v(l.cause.summary)}${l.attempted ? (l.serverResponse ? `: ${clip(v(l.serverResponse), 90, sym)}` : "") : " (not attempted)"}`
        : "",
  ]);
  const header = ["MAILBOX", "PROTOCOL", "RESULT", "TIME", "CAUSE"];
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]].length)));
  // Padded first, painted after: colour codes take no column.
  const line = (cells: string[], paintResult: boolean) =>
    cells
      .map((c, i) => {
        const text = i === cells.length - 1 ? c : pad(c, widths[i]);
        return i === 2 && paintResult ? paint(terminal, c === sym.pass ? "green" : "red", text) : text;
      })
      .join("  ")
      .trimEnd();
  lines.push(paint(terminal, "bold", line(header, false)), ...rows.map((r) => line(r, true)));

  if (notes.length > 0) {
    lines.push("", "What to do");
    notes.forEach(({ cause: n, mailboxes }, i) => {
      lines.push(`[${i + 1}] ${v(n.summary)}`, `    ${v(n.action)}`);
      for (const c of n.checks ?? []) lines.push(`    - ${v(c)}`);
      if (mailboxes.length > 1)
        lines.push(`    The same for ${mailboxes.slice(1).map(v).join(", ")} (with that address).`);
    });
  }
  if (report.warnings.length > 0) {
    lines.push("", "Warnings");
    for (const w of report.warnings) lines.push(`- ${v(w)}`);
  }
  if (report.notices.length > 0) {
    lines.push("", "Not checked");
    for (const n of report.notices) lines.push(`- ${v(n)}`);
  }
  const s = report.summary;
  lines.push(
    "",
    `${s.passed} of ${s.expected} logins passed${report.rounds > 1 ? ` after ${report.rounds} rounds (${ms(report.elapsedMs, sym)})` : ""}.`,
  );
  return lines.join("\n") + "\n";
}

/** `a` with the items of `b` it lacks, each placed after the item it follows in `b` (else last). */
export function mergeInOrder(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  let at = -1;
  for (const item of b) {
    const found = out.indexOf(item);
    if (found >= 0) {
      at = found;
      continue;
    }
    out.splice(at + 1, 0, item);
    at++;
  }
  return out;
}
