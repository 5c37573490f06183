// The ONE command-line parser of every exo-oauth tool, over node's util.parseArgs (its tokens):
// a tool declares its options and subcommands once (ToolSpec) and gets, the same everywhere:
//   --opt value and --opt=value; -h/--help; `<tool> <command> --help` and `<tool> help <command>`;
//   every problem at once, each naming the option and what is allowed; did-you-mean for a
//   misspelt option or subcommand (components/choices.ts, the rule the stack config uses);
//   values never echoed for options marked sensitive, nor the word after a misspelt option
//   (a mistyped --client-secret is followed by the secret).
// Option and subcommand names are exact (lower case, as typed in the docs); enumerated VALUES
// are matched in any letter case by the tool with matchChoice (components/choices.ts).
import { parseArgs } from "node:util";
import { didYouMean } from "../../components/choices";
import { printable } from "../../components/printable";
import { UsageError } from "./errors";
import { exitCodeHelp, type ExitName } from "./exit-codes";

export interface OptionSpec {
  type: "string" | "boolean";
  /** A string option given more than once collects every value. */
  multiple?: boolean;
  /** How help shows the value, e.g. "<file>". */
  value?: string;
  /** One line for --help. */
  description: string;
  /** A one-letter alias, e.g. "h". */
  short?: string;
  /** Never echo the value in a message (something secret may be typed here by mistake). */
  sensitive?: boolean;
}

export type Options = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec {
  /** One line for the tool's help. */
  summary: string;
  /** Paragraphs for `<tool> <command> --help`, after the options. */
  details?: string;
  /** This command's own options (the tool's `options` apply to every command). */
  options?: Options;
  /** The exit codes this command returns (default: the tool's). */
  exitCodes?: readonly ExitName[];
}

export interface ToolSpec {
  /** As the user types it, e.g. "npm run exchange --". */
  invocation: string;
  /** One line. */
  summary: string;
  /** Paragraphs for the tool's --help, after the options. */
  details?: string;
  /** Options of every command (of the tool itself when it has no commands). */
  options: Options;
  /** Subcommands, in the order help lists them. */
  commands?: Readonly<Record<string, CommandSpec>>;
  /** Options refused with an explanation; their value is swallowed, never echoed. */
  refused?: Readonly<Record<string, string>>;
  /** The exit codes the tool returns. */
  exitCodes: readonly ExitName[];
}

export type OptionValue = string | boolean | string[];
export type Values = Readonly<Record<string, OptionValue | undefined>>;

export type CommandLine =
  { kind: "help"; command?: string; text: string } | { kind: "run"; command?: string; values: Values };

const HELP: OptionSpec = { type: "boolean", short: "h", description: "this help" };

/** Whether the arguments ask for JSON (--json before any `--`): errors are then a JSON document too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/** The options a command accepts: the tool's, the command's, and help. */
function optionsOf(spec: ToolSpec, command: string | undefined): Options {
  return { ...spec.options, ...(command ? spec.commands?.[command]?.options : undefined), help: HELP };
}

/** Every option any command has, for tokenizing (one type per name). */
function allOptions(spec: ToolSpec): Options {
  const all: Record<string, OptionSpec> = { ...spec.options, help: HELP };
  for (const c of Object.values(spec.commands ?? {}))
    for (const [name, o] of Object.entries(c.options ?? {})) {
      if (all[name] && all[name].type !== o.type) throw new Error(`option --${name} has two types`);
      all[name] = o;
    }
  return all;
}

interface Token {
  kind: "option" | "positional" | "terminator";
  /** Long name, or the short letter as typed when unknown. */
  name?: string;
  raw?: string;
  value?: string;
  inline?: boolean;
}

/** A value that is really the next option (`--record --json`): the string option got none. */
const looksLikeOption = (v: string) => /^--?[A-Za-z]/.test(v);

function tokenize(argv: readonly string[], all: Options): Token[] {
  const options = Object.fromEntries(
    Object.entries(all).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const out: Token[] = [];
  for (const t of tokens) {
    if (t.kind === "option-terminator") out.push({ kind: "terminator" });
    else if (t.kind === "positional") out.push({ kind: "positional", value: t.value });
    else {
      const declared = all[t.name];
      if (
        declared?.type === "string" &&
        !t.inlineValue &&
        t.value !== undefined &&
        looksLikeOption(t.value)
      ) {
        // parseArgs took the next option as this one's value: give it back.
        out.push({ kind: "option", name: t.name, raw: t.rawName });
        return [...out, ...tokenize(argv.slice(t.index + 1), all)];
      }
      out.push({
        kind: "option",
        name: t.name,
        raw: t.rawName,
        ...(t.value !== undefined ? { value: t.value } : {}),
        ...(t.inlineValue !== undefined ? { inline: t.inlineValue } : {}),
      });
    }
  }
  return out;
}

/** A value as a usage message shows it: escaped, cut, quoted. */
function shown(v: string): string {
  const s = printable(v);
  return `"${s.length > 60 ? `${s.slice(0, 57)}...` : s}"`;
}

/**
 * Parses argv (without node and the script). Returns the help to print, or the command and its
 * values; throws UsageError listing every problem (exit 64).
 */
export function parseCommandLine(spec: ToolSpec, argv: readonly string[]): CommandLine {
  const all = allOptions(spec);
  const tokens = tokenize(argv, all);
  const commands = Object.keys(spec.commands ?? {});
  const problems: string[] = [];
  let help = false;
  let command: string | undefined;
  let helpFor: string | undefined;
  let afterTerminator = false;
  const positionals: string[] = [];

  // The command first: the first positional (options may come before it).
  for (const t of tokens) {
    if (t.kind === "terminator") afterTerminator = true;
    else if (t.kind === "positional") positionals.push(t.value!);
    else if (!afterTerminator && (t.name === "help" || t.name === "h")) help = true;
  }
  let rest = positionals;
  if (commands.length > 0) {
    const [first, ...others] = positionals;
    rest = others;
    if (first === "help") {
      help = true;
      helpFor = others[0];
      rest = others.slice(1);
      if (helpFor !== undefined && !commands.includes(helpFor))
        throw new UsageError(unknownCommand(spec, helpFor, commands));
      command = helpFor;
    } else if (first !== undefined && commands.includes(first)) command = first;
    else if (first !== undefined && !help) problems.push(unknownCommand(spec, first, commands));
    else if (!help) problems.push(`a command is needed: ${listOf(commands)}`);
  }
  if (help) return { kind: "help", ...(command ? { command } : {}), text: renderHelp(spec, command) };

  const allowed = optionsOf(spec, command);
  const byShort = new Map(
    Object.entries(allowed)
      .filter(([, o]) => o.short)
      .map(([n, o]) => [o.short!, n]),
  );
  const values: Record<string, OptionValue> = {};
  const swallowed = new Set<number>(); // positionals taken as a refused or unknown option's value
  let positionalIndex = -1;
  afterTerminator = false;
  tokens.forEach((t, i) => {
    if (t.kind === "terminator") return void (afterTerminator = true);
    if (t.kind === "positional") return void positionalIndex++;
    const name = t.raw?.startsWith("--") ? t.name! : (byShort.get(t.name!) ?? t.name!);
    const o = allowed[name];
    const swallowNext = () => {
      if (!t.inline && t.value === undefined && tokens[i + 1]?.kind === "positional")
        swallowed.add(positionalIndex + 1);
    };
    if (spec.refused?.[name]) {
      problems.push(spec.refused[name]);
      return swallowNext();
    }
    if (!o) {
      problems.push(unknownOption(spec, t.raw ?? `--${name}`, name, command));
      return swallowNext();
    }
    if (o.type === "boolean") {
      if (t.inline) problems.push(`--${name} takes no value`);
      else values[name] = true;
      return;
    }
    if (t.value === undefined) {
      problems.push(`--${name} needs a value: ${o.value ?? "<value>"}`);
      return;
    }
    if (o.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), t.value];
    else if (values[name] !== undefined)
      problems.push(
        o.sensitive
          ? `--${name} is given twice: give it once`
          : `--${name} is given twice (${shown(values[name] as string)} and ${shown(t.value)}): give it once`,
      );
    else values[name] = t.value;
  });
  // Positionals beyond the command: none of the tools takes any.
  const offset = positionals.length - rest.length;
  rest.forEach((p, j) => {
    if (!swallowed.has(offset + j)) problems.push(`unexpected argument ${shown(p)}: options start with --`);
  });
  if (problems.length > 0) throw new UsageError(problems, command);
  return { kind: "run", ...(command ? { command } : {}), values };
}

function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

function unknownCommand(spec: ToolSpec, given: string, commands: readonly string[]): string {
  return `unknown command ${shown(given)}${didYouMean(given, commands)}; the commands are ${listOf(commands)}`;
}

function unknownOption(spec: ToolSpec, raw: string, name: string, command: string | undefined): string {
  const allowed = Object.keys(optionsOf(spec, command));
  const owners = Object.entries(spec.commands ?? {})
    .filter(([, c]) => c.options?.[name])
    .map(([n]) => n);
  const what = printable(raw.includes("=") ? raw.slice(0, raw.indexOf("=")) : raw);
  if (owners.length > 0 && command) return `${what} is an option of ${listOf(owners)}, not of ${command}`;
  return `unknown option ${what}${didYouMean(name, allowed, (n) => `--${n}`)}`;
}

/** `npm run exchange -- plan [options]`. */
function synopsis(spec: ToolSpec, command: string | undefined): string {
  const cmds = Object.keys(spec.commands ?? {});
  if (cmds.length === 0) return `${spec.invocation} [options]`;
  return command
    ? `${spec.invocation} ${command} [options]`
    : `${spec.invocation} <${cmds.join("|")}> [options]`;
}

function optionLines(options: Options): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}`,
    o.description + (o.multiple ? " (repeatable)" : ""),
  ]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`);
}

/** The tool's help, or a command's. */
export function renderHelp(spec: ToolSpec, command?: string): string {
  const c = command ? spec.commands?.[command] : undefined;
  const lines = [
    `Usage: ${synopsis(spec, command)}`,
    "",
    c ? c.summary[0].toUpperCase() + c.summary.slice(1) : spec.summary,
  ];
  if (!c && spec.commands) {
    const names = Object.keys(spec.commands);
    const width = Math.max(...names.map((n) => n.length));
    lines.push("", "Commands:");
    for (const n of names) lines.push(`  ${n.padEnd(width)}  ${spec.commands[n].summary}`);
  }
  lines.push("", "Options:", ...optionLines({ ...(c?.options ?? {}), ...spec.options, help: HELP }));
  const details = c ? c.details : spec.details;
  if (details) lines.push("", details.trimEnd());
  if (!c && spec.commands)
    lines.push(
      "",
      `Run \`${spec.invocation} <command> --help\` (or \`${spec.invocation} help <command>\`) for a command's options.`,
    );
  lines.push("", exitCodeHelp(c?.exitCodes ?? spec.exitCodes));
  return lines.join("\n") + "\n";
}

/** The lines a usage error ends with: the synopsis and where to find more. */
export function usageHint(spec: ToolSpec, command?: string): string {
  return `Usage: ${synopsis(spec, command)}\nRun \`${spec.invocation}${command ? ` ${command}` : ""} --help\` for more.`;
}

/** A string option's value, if given. */
export function stringValue(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** A repeatable option's values (none: []). */
export function listValue(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** Whether a flag was given. */
export function flagValue(values: Values, name: string): boolean {
  return values[name] === true;
}
