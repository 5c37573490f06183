// The human report: the token's claims, one row per mailbox × protocol (✓/✗, time, cause),
// then each distinct cause once with what to do. Pure: report in, text out.
import type { Cause } from "./diagnosis";
import { protocolName } from "./diagnosis";
import type { VerifyReport } from "./run";

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

function ms(n: number | undefined): string {
  if (n === undefined) return "—";
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

/** Long server replies are cut in the table (the JSON report keeps them whole). */
function clip(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join("")}…`;
}

export function renderTable(report: VerifyReport): string {
  const lines: string[] = [];
  const how = report.credential === "secret" ? "client secret" : "certificate";
  lines.push(`Tenant ${report.tenant} · application ${report.clientId} · ${how} · ${report.authorityHost}`);
  const t = report.token;
  if (t.ok && t.claims) {
    const c = t.claims;
    lines.push(
      `Token  ✓ ${ms(t.ms)} · tid ${c.tid} · appid ${c.appid} · oid ${c.oid} · aud ${c.aud}`,
      `       roles ${c.roles.length ? c.roles.join(", ") : "(none)"} · expires ${c.expiresAt}`,
    );
  } else {
    lines.push(`Token  ✗ ${t.cause?.summary ?? "no token"}`);
  }
  lines.push("");

  // Number each distinct cause once (same id + same advice = same footnote).
  const notes: Cause[] = [];
  const noteOf = (cause: Cause): number => {
    const key = (c: Cause) => JSON.stringify([c.id, c.summary, c.action, c.checks ?? []]);
    const i = notes.findIndex((n) => key(n) === key(cause));
    if (i >= 0) return i + 1;
    notes.push(cause);
    return notes.length;
  };
  const rows = report.logins.map((l) => [
    l.mailbox,
    protocolName(l.protocol),
    l.ok ? "✓" : "✗",
    l.attempted ? ms(l.ms) : "—",
    l.ok
      ? l.attempts > 1
        ? `passed on attempt ${l.attempts}`
        : ""
      : l.cause
        ? `[${noteOf(l.cause)}] ${l.cause.summary}${l.attempted ? (l.serverResponse ? `: ${clip(l.serverResponse, 90)}` : "") : " (not attempted)"}`
        : "",
  ]);
  const header = ["MAILBOX", "PROTOCOL", "RESULT", "TIME", "CAUSE"];
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...r[i]].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i])))
      .join("  ")
      .trimEnd();
  lines.push(line(header), ...rows.map(line));

  if (notes.length > 0) {
    lines.push("", "What to do");
    notes.forEach((n, i) => {
      lines.push(`[${i + 1}] ${n.summary}`, `    ${n.action}`);
      for (const c of n.checks ?? []) lines.push(`    - ${c}`);
    });
  }
  const s = report.summary;
  lines.push(
    "",
    `${s.passed} of ${s.expected} logins passed${report.rounds > 1 ? ` after ${report.rounds} rounds (${ms(report.elapsedMs)})` : ""}.`,
  );
  return lines.join("\n") + "\n";
}
