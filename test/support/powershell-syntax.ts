// PowerShell text read back as a parser reads it: tree-sitter-powershell for the syntax tree
// (which commands run, in which order), and PowerShell's own rule for what a single-quoted
// literal evaluates to. tree-sitter's grammar knows only the ASCII quote; PowerShell's tokenizer
// also reads ‘ ’ ‚ ‛ as single quotes (CharTraits.cs IsSingleQuote) and, inside a verbatim
// literal, a quote followed by a quote as the SECOND quote (tokenizer.cs ScanStringLiteral), so
// `verbatimValue` applies PowerShell's rule to each literal tree-sitter found and fails where
// PowerShell would end the literal early (docs/security.md, "The runbook").
import type Parser from "tree-sitter";

let parser: Parser | undefined;

/** The syntax tree of `text` (tree-sitter-powershell; loaded once per process). */
export async function parsePowerShell(text: string): Promise<Parser.SyntaxNode> {
  if (!parser) {
    const TreeSitter = (await import("tree-sitter")).default;
    // ESM-only with top-level await; its "types" field does not resolve under node16 (docs/development.md).
    const grammar: string = "tree-sitter-powershell";
    const PowerShell = ((await import(grammar)) as { default: unknown }).default;
    parser = new TreeSitter();
    parser.setLanguage(PowerShell as never);
  }
  // A string longer than the default 32 KiB buffer needs a callback input (tree-sitter's Node binding).
  return parser.parse((index) => text.slice(index, index + 16_384)).rootNode;
}

/** The name of every command in the tree, in document order (`& $x` without a name: "&"). */
export function commandNames(root: Parser.SyntaxNode): string[] {
  return root.descendantsOfType("command").map((c) => c.childForFieldName("command_name")?.text ?? "&");
}

const SINGLE_QUOTE = /^['\u2018\u2019\u201a\u201b]$/u;

/**
 * What PowerShell makes of the single-quoted literal `literal` (quotes included), or an Error
 * when PowerShell would end it before its last character (the rest would run as code) or never.
 */
export function verbatimValue(literal: string): string {
  const chars = [...literal];
  if (!SINGLE_QUOTE.test(chars[0] ?? "")) throw new Error(`not a single-quoted literal: ${literal}`);
  let value = "";
  for (let i = 1; i < chars.length; i++) {
    if (!SINGLE_QUOTE.test(chars[i])) {
      value += chars[i];
    } else if (i + 1 < chars.length && SINGLE_QUOTE.test(chars[i + 1])) {
      value += chars[i + 1];
      i++;
    } else if (i === chars.length - 1) {
      return value;
    } else {
      throw new Error(
        `PowerShell ends the literal at character ${i + 1} of ${chars.length}: the rest runs as code`,
      );
    }
  }
  throw new Error("the literal is never closed");
}

/**
 * The value of each `$name = '<literal>'` assignment in the tree, by variable, in document order
 * (assignments of anything but one single-quoted literal are left out).
 */
export function assignedLiterals(root: Parser.SyntaxNode): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of root.descendantsOfType("assignment_expression")) {
    const [left, , right] = a.children;
    const literals = right?.descendantsOfType("verbatim_string_characters") ?? [];
    if (!left || literals.length !== 1 || literals[0].text !== right.text) continue;
    const list = out.get(left.text) ?? [];
    list.push(verbatimValue(literals[0].text));
    out.set(left.text, list);
  }
  return out;
}

/** The values of the single-quoted literal arguments that follow `-<parameter>` in `command`. */
export function parameterLiterals(root: Parser.SyntaxNode, command: string, parameter: string): string[] {
  const out: string[] = [];
  for (const c of root.descendantsOfType("command")) {
    if (c.childForFieldName("command_name")?.text !== command) continue;
    const parts = c.descendantsOfType(["command_parameter", "verbatim_string_characters"]);
    parts.forEach((p, i) => {
      const next = parts[i + 1];
      if (p.text === `-${parameter}` && next?.type === "verbatim_string_characters")
        out.push(verbatimValue(next.text));
    });
  }
  return out;
}
