// The story as text: a few lines per item, indented under its step. Pure: items in, lines out.
// Colour and symbols for the terminal the text goes to (scripts/cli/terminal.ts): marks from
// `symbols`, padded so the verify table keeps its columns in ASCII too; the caller passes every
// line through `fitText` for the symbols inside sentences (→, …, —).
import { PROGRESS_LINE } from "../../cli/progress";
import type { Protocol } from "../../../components/microsoft";
import { paint, symbols, type Terminal } from "../../cli/terminal";
import { count } from "../../cli/words";
import type {
  CheckItem,
  ExchangeJobItem,
  Item,
  PulumiItem,
  StepReport,
  TenantItem,
  VerifyItem,
} from "./items";

const PROTOCOL: Record<Protocol, string> = { imap: "IMAP", pop: "POP", smtp: "SMTP" };
const I1 = "  ";
const I2 = "      ";

/** ✓ in green, ✗ in red (ASCII: ok, FAIL). */
function passFail(t: Terminal, ok: boolean): string {
  const s = symbols(t);
  return ok ? paint(t, "green", s.pass) : paint(t, "red", s.fail);
}

export function stepHeading(t: Terminal, n: number, of: number, title: string, at: string): string {
  return paint(t, "bold", `[${n}/${of}] ${title}`) + paint(t, "dim", `  (clock ${at})`);
}

export function stepFooter(t: Terminal, r: StepReport): string {
  const checks = r.items.filter((i): i is CheckItem => i.type === "check");
  const failed = checks.filter((x) => !x.ok).length;
  const secs = `${(r.wallMs / 1000).toFixed(1)} s`;
  return r.ok
    ? `${I1}${passFail(t, true)} step ${r.n}: ${checks.length} checks held, ${secs}`
    : `${I1}${passFail(t, false)} step ${r.n}: ${failed} of ${checks.length} checks failed, ${secs}`;
}

export function renderItem(t: Terminal, item: Item): string[] {
  switch (item.type) {
    case "note":
      return [`${I1}${item.text}`];
    case "hand-edit":
      return [`${I1}${paint(t, "yellow", "hand edit:")} ${item.text}`];
    case "check":
      return [
        `${I1}${passFail(t, item.ok)} ${item.text}` +
          (item.ok || !item.detail ? "" : paint(t, "red", ` — saw: ${item.detail}`)),
      ];
    case "pulumi":
      return pulumiLines(t, item);
    case "verify":
      return verifyLines(t, item);
    case "exchange-job":
      return jobLines(t, item);
    case "tenant":
      return tenantLines(item);
  }
}

function pulumiLines(t: Terminal, p: PulumiItem): string[] {
  const dim = (l: string) => paint(t, "dim", l);
  const lines = [`${I1}$ pulumi ${p.command}`, ...p.plan.map((l) => dim(`${I2}${l}`))];
  if (p.outputsChanged.length)
    lines.push(
      ...wrap(
        "outputs changed: ",
        p.outputsChanged.map((o) => `${o.name} ${o.value}`),
      ).map((l) => dim(`${I2}${l}`)),
    );
  for (const run of p.exchange) {
    lines.push(`${I1}  Exchange step (the Command's ${run.script}, exit ${run.exitCode}):`);
    lines.push(...run.lines.map((l) => dim(`${I2}${l}`)));
  }
  return lines;
}

/** The widest of a login's marks on this terminal (1 in Unicode; 4, FAIL, in ASCII). */
function markWidth(t: Terminal): number {
  const s = symbols(t);
  return Math.max(s.pass.length, s.fail.length, s.none.length);
}

/** A login's mark, padded to markWidth so the table's columns hold. */
function mark(t: Terminal, result: string): string {
  const s = symbols(t);
  const [style, text] =
    result === "pass"
      ? (["green", s.pass] as const)
      : result === "skipped"
        ? (["yellow", s.none] as const)
        : (["red", s.fail] as const);
  return paint(t, style, text) + " ".repeat(markWidth(t) - text.length);
}

function verifyLines(t: Terminal, v: VerifyItem): string[] {
  const lines = [`${I1}$ npm run verify${paint(t, "dim", `   ${v.label}`)}`];
  if (v.token.ok && v.token.claims) {
    const k = v.token.claims;
    lines.push(
      `${I2}token ${passFail(t, true)} tid ${k.tid}, appid ${k.appid}, oid ${k.oid}`,
      `${I2}      roles [${k.roles.join(", ")}], expires ${k.expiresAt}`,
    );
  } else {
    // No token, no login: one line instead of a row of ✗ with the same cause.
    const mailboxes = new Set(v.logins.map((l) => l.mailbox)).size;
    lines.push(
      `${I2}token ${passFail(t, false)} ${v.token.cause?.summary ?? "no token"}`,
      `${I2}no login attempted (${v.logins.length} expected on ${count(mailboxes, "mailbox", "mailboxes")})`,
    );
    return lines;
  }
  const mailboxes = [...new Set(v.logins.map((l) => l.mailbox))];
  const width = Math.max(0, ...mailboxes.map((m) => m.length));
  // One line per distinct cause, naming the protocols it hit.
  const causes = new Map<string, { result: string; protocols: Set<string> }>();
  for (const m of mailboxes) {
    const cells = (["imap", "pop", "smtp"] as const).map((p) => {
      const l = v.logins.find((x) => x.mailbox === m && x.protocol === p);
      if (!l) return " ".repeat(PROTOCOL[p].length + 1 + markWidth(t));
      if (l.result !== "pass" && l.cause) {
        const entry = causes.get(l.cause.summary) ?? { result: l.result, protocols: new Set<string>() };
        causes.set(l.cause.summary, entry.protocols.add(PROTOCOL[p]) && entry);
      }
      return `${PROTOCOL[p]} ${mark(t, l.result)}`;
    });
    lines.push(`${I2}${m.padEnd(width)}  ${cells.join("  ")}`.trimEnd());
  }
  for (const [summary, { result, protocols }] of causes)
    lines.push(
      `${I2}${result === "skipped" ? paint(t, "yellow", "skipped") : paint(t, "red", "refused")} ${[...protocols].join(", ")}: ${summary}`,
    );
  return lines;
}

function jobLines(t: Terminal, j: ExchangeJobItem): string[] {
  const lines = [
    `${I1}$ ${j.commandLine}${paint(t, "dim", `   exit ${j.exitCode}, ${count(j.writes, "write")} in Exchange`)}`,
  ];
  // plan prints its report on stdout; apply prints the record there (shown as its progress instead).
  const body = j.commandLine.endsWith("plan")
    ? [
        ...j.stdout,
        ...j.stderr.filter(
          (l) => !l.startsWith("connected") && !l.startsWith("done:") && !PROGRESS_LINE.test(l),
        ),
      ]
    : j.stderr;
  lines.push(...body.map((l) => paint(t, "dim", `${I2}${l}`)));
  return lines;
}

function tenantLines(v: TenantItem): string[] {
  const width = Math.max(...v.lines.map((l) => l.what.length));
  return [`${I1}${v.label}:`, ...v.lines.map((l) => `${I2}${l.what.padEnd(width)}  ${l.value}`)];
}

/** Comma-separated parts after a prefix, wrapped at about 100 columns. */
function wrap(prefix: string, parts: string[], width = 100): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const [i, part] of parts.entries()) {
    const piece = part + (i < parts.length - 1 ? "," : "");
    if (line.length + piece.length + 1 > width && line !== prefix) {
      lines.push(line.trimEnd());
      line = " ".repeat(prefix.length);
    }
    line += piece + " ";
  }
  lines.push(line.trimEnd());
  return lines;
}
