// What a tool's text may use on the stream it writes to: colour only on a terminal that shows it
// and only when NO_COLOR is not set (https://no-color.org: present and not empty); Unicode symbols
// only on a terminal whose locale is UTF-8; plain ASCII in a pipe, a file or a CI log. The symbols
// the tools print come from here, so a table keeps its columns whichever set is used.
// Text from outside the tool is escaped with `printable` (components/printable.ts, re-exported
// here): one helper for every tool's text and tables.
export { printable, printableJson } from "../../components/printable";

export interface Terminal {
  /** ANSI colour and bold. */
  color: boolean;
  /** ✓ ✗ — … · → instead of their ASCII stand-ins. */
  unicode: boolean;
}

/** A pipe, a file, a CI log: no colour, ASCII. */
export const PLAIN: Terminal = { color: false, unicode: false };

/** The stream's terminal, from whether it is a TTY and the environment (NO_COLOR, TERM, the locale). */
export function detectTerminal(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): Terminal {
  const tty = stream.isTTY === true && env.TERM !== "dumb";
  if (!tty) return PLAIN;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  // Windows Terminal and VS Code's terminal render UTF-8; the old console host may not.
  const unicode =
    platform === "win32"
      ? env.WT_SESSION !== undefined || env.TERM_PROGRAM === "vscode"
      : /utf-?8/i.test(locale);
  return { color: !noColor, unicode };
}

/** Each symbol the tools print, with its ASCII stand-in. */
const SYMBOLS = {
  pass: ["✓", "ok"],
  fail: ["✗", "FAIL"],
  none: ["—", "-"],
  ellipsis: ["…", "..."],
  dot: ["·", "|"],
  arrow: ["→", "->"],
  times: ["×", "x"],
  minus: ["−", "-"],
  atLeast: ["≥", ">="],
  atMost: ["≤", "<="],
  infinity: ["∞", "inf"],
} as const;

export type SymbolName = keyof typeof SYMBOLS;
export type Symbols = Record<SymbolName, string>;

/** The symbols for this terminal. */
export function symbols(t: Terminal): Symbols {
  return Object.fromEntries(Object.entries(SYMBOLS).map(([k, [u, a]]) => [k, t.unicode ? u : a])) as Symbols;
}

/**
 * The tool's own text for this terminal: on an ASCII one, each symbol above replaced by its
 * stand-in (for progress lines and messages; tables pick their symbols with `symbols` so the
 * columns stay aligned).
 */
export function fitText(t: Terminal, text: string): string {
  if (t.unicode) return text;
  let out = text;
  for (const [u, a] of Object.values(SYMBOLS)) out = out.split(u).join(a);
  return out;
}

const SGR = { bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22] } as const;
export type Style = keyof typeof SGR;

/** The text in a colour or weight, on a terminal that shows colour; unchanged otherwise. */
export function paint(t: Terminal, style: Style, text: string): string {
  if (!t.color || text === "") return text;
  const [on, off] = SGR[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}
