// The story as text: a few lines per item, indented under its step. Pure: items in, lines out.
import type { Protocol } from "../../../components/microsoft";
import type { Colour } from "./cli-support";
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

export function stepHeading(c: Colour, n: number, of: number, title: string, at: string): string {
  return c.bold(`[${n}/${of}] ${title}`) + c.dim(`  (clock ${at})`);
}

export function stepFooter(c: Colour, r: StepReport): string {
  const checks = r.items.filter((i): i is CheckItem => i.type === "check");
  const failed = checks.filter((x) => !x.ok).length;
  const secs = `${(r.wallMs / 1000).toFixed(1)} s`;
  return r.ok
    ? `${I1}${c.green("✓")} step ${r.n}: ${checks.length} checks held, ${secs}`
    : `${I1}${c.red("✗")} step ${r.n}: ${failed} of ${checks.length} checks failed, ${secs}`;
}

export function renderItem(c: Colour, item: Item): string[] {
  switch (item.type) {
    case "note":
      return [`${I1}${item.text}`];
    case "hand-edit":
      return [`${I1}${c.yellow("hand edit:")} ${item.text}`];
    case "check":
      return [
        `${I1}${item.ok ? c.green("✓") : c.red("✗")} ${item.text}` +
          (item.ok || !item.detail ? "" : c.red(` — saw: ${item.detail}`)),
      ];
    case "pulumi":
      return pulumiLines(c, item);
    case "verify":
      return verifyLines(c, item);
    case "exchange-job":
      return jobLines(c, item);
    case "tenant":
      return tenantLines(c, item);
  }
}

function pulumiLines(c: Colour, p: PulumiItem): string[] {
  const lines = [`${I1}$ pulumi ${p.command}`, ...p.plan.map((l) => c.dim(`${I2}${l}`))];
  if (p.outputsChanged.length)
    lines.push(
      ...wrap(
        "outputs changed: ",
        p.outputsChanged.map((o) => `${o.name} ${o.value}`),
      ).map((l) => c.dim(`${I2}${l}`)),
    );
  for (const run of p.exchange) {
    lines.push(`${I1}  Exchange step (the Command's ${run.script}, exit ${run.exitCode}):`);
    lines.push(...run.lines.map((l) => c.dim(`${I2}${l}`)));
  }
  return lines;
}

function mark(c: Colour, result: string): string {
  return result === "pass" ? c.green("✓") : result === "skipped" ? c.yellow("–") : c.red("✗");
}

function verifyLines(c: Colour, v: VerifyItem): string[] {
  const lines = [`${I1}$ npm run verify${c.dim(`   ${v.label}`)}`];
  if (v.token.ok && v.token.claims) {
    const k = v.token.claims;
    lines.push(
      `${I2}token ${c.green("✓")} tid ${k.tid}, appid ${k.appid}, oid ${k.oid}`,
      `${I2}      roles [${k.roles.join(", ")}], expires ${k.expiresAt}`,
    );
  } else {
    // No token, no login: one line instead of a row of ✗ with the same cause.
    const mailboxes = new Set(v.logins.map((l) => l.mailbox)).size;
    lines.push(
      `${I2}token ${c.red("✗")} ${v.token.cause?.summary ?? "no token"}`,
      `${I2}no login attempted (${v.logins.length} expected on ${mailboxes} mailbox(es))`,
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
      if (!l) return " ".repeat(PROTOCOL[p].length + 2);
      if (l.result !== "pass" && l.cause) {
        const entry = causes.get(l.cause.summary) ?? { result: l.result, protocols: new Set<string>() };
        causes.set(l.cause.summary, entry.protocols.add(PROTOCOL[p]) && entry);
      }
      return `${PROTOCOL[p]} ${mark(c, l.result)}`;
    });
    lines.push(`${I2}${m.padEnd(width)}  ${cells.join("  ")}`.trimEnd());
  }
  for (const [summary, { result, protocols }] of causes)
    lines.push(
      `${I2}${result === "skipped" ? c.yellow("skipped") : c.red("refused")} ${[...protocols].join(", ")}: ${summary}`,
    );
  return lines;
}

function jobLines(c: Colour, j: ExchangeJobItem): string[] {
  const lines = [
    `${I1}$ ${j.commandLine}${c.dim(`   exit ${j.exitCode}, ${j.writes} write(s) in Exchange`)}`,
  ];
  // plan prints its report on stdout; apply prints the record there (shown as its progress instead).
  const body = j.commandLine.endsWith("plan")
    ? [...j.stdout, ...j.stderr.filter((l) => !l.startsWith("connected") && !l.startsWith("done:"))]
    : j.stderr;
  lines.push(...body.map((l) => c.dim(`${I2}${l}`)));
  return lines;
}

function tenantLines(c: Colour, t: TenantItem): string[] {
  const width = Math.max(...t.lines.map((l) => l.what.length));
  return [`${I1}${t.label}:`, ...t.lines.map((l) => `${I2}${l.what.padEnd(width)}  ${l.value}`)];
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
