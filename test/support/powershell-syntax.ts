// PowerShell text read back as a parser reads it: tree-sitter-powershell for the syntax tree
// (which commands run, in which order), and PowerShell's own rule for what a single-quoted
// literal evaluates to. tree-sitter's grammar knows only the ASCII quote; PowerShell's tokenizer
// also reads ‘ ’ ‚ ‛ as single quotes (CharTraits.cs IsSingleQuote) and, inside a verbatim
// literal, a quote followed by a quote as the SECOND quote (tokenizer.cs ScanStringLiteral), so
// `verbatimValue` applies PowerShell's rule to each literal tree-sitter found and fails where
// PowerShell would end the literal early (docs/security.md, "The runbook").
//
// The grammar runs as WebAssembly (web-tree-sitter and the `tree-sitter-powershell.wasm` the
// grammar package ships), not as tree-sitter's native Node binding: that binding's prebuilt
// binary needs GLIBCXX_3.4.31 (GCC 13's libstdc++), which Debian 12 does not have, and building it
// from source would need install scripts this project denies (docs/development.md, "Install").
import { createRequire } from "node:module";
import type { Node as SyntaxNode, Parser as TreeSitterParser } from "web-tree-sitter";

export type { SyntaxNode };

let parser: TreeSitterParser | undefined;

/** A tree-sitter parser with the PowerShell grammar loaded (once per process). */
async function powerShellParser(): Promise<TreeSitterParser> {
  if (!parser) {
    const { Parser, Language } = await import("web-tree-sitter");
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");
    const language = await Language.load(wasm);
    parser = new Parser();
    parser.setLanguage(language);
  }
  return parser;
}

/** The syntax tree of `text` (tree-sitter-powershell). Throws when the parser gives up. */
export async function parsePowerShell(text: string): Promise<SyntaxNode> {
  const tree = (await powerShellParser()).parse(text);
  if (!tree) throw new Error("tree-sitter-powershell returned no tree");
  return tree.rootNode;
}

/** Each syntax error in the tree: `<line>: <text>` (ERROR and MISSING nodes). */
export function syntaxErrors(root: SyntaxNode): string[] {
  const errors: string[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.type === "ERROR" || n.isMissing) errors.push(`${n.startPosition.row + 1}: ${n.text.slice(0, 60)}`);
    n.children.forEach(walk);
  };
  walk(root);
  return errors;
}

/** The name of every command in the tree, in document order (`& $x` without a name: "&"). */
export function commandNames(root: SyntaxNode): string[] {
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
export function assignedLiterals(root: SyntaxNode): Map<string, string[]> {
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
export function parameterLiterals(root: SyntaxNode, command: string, parameter: string): string[] {
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
