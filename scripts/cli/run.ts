// How every tool runs: parse the command line (./args.ts), print help, run the command, and end
// the same way on success and on every kind of error — the exit code from ./exit-codes.ts, and
// with --json exactly one JSON document on stdout (./json.ts), the error included. Errors in text
// mode go to stderr, one problem per line, escaped (components/printable.ts) and redacted
// (components/redact.ts): the tool's own words plus values it quotes, never a raw control
// character or a secret.
import { printable } from "../../components/printable";
import { createRedactor, type Redactor } from "../../components/redact";
import { parseCommandLine, usageHint, wantsJson, type ToolSpec, type Values } from "./args";
import { ToolError, UsageError } from "./errors";
import { EXIT, type StopSignal } from "./exit-codes";
import { errorBody, jsonDocument, schemaName } from "./json";
import { detectTerminal, PLAIN, type Terminal } from "./terminal";

export interface ToolIO {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** What each stream shows (default PLAIN: a pipe). processIO() detects them. */
  terminals?: { stdout: Terminal; stderr: Terminal };
  /** The clock of startedAt/finishedAt (default the system's). */
  now?: () => Date;
}

/** What a command gets. */
export interface Invocation {
  command?: string;
  values: Values;
  /** --json: return the document's body in Outcome; print nothing on stdout yourself. */
  json: boolean;
  terminals: { stdout: Terminal; stderr: Terminal };
  startedAt: Date;
  /** Masks in error output every secret the command adds here (the runner redacts tokens anyway). */
  redact: Redactor;
  /**
   * With --json: prints the command's document NOW, on one line, with exit code 0, and none when it
   * ends — for a command that answers, then runs on until it is stopped (`offline-tenant serve`
   * prints its connection once ready). An error after it goes to stderr only: stdout keeps ONE
   * document. Without --json: does nothing.
   */
  documentNow: (body: Record<string, unknown>) => void;
}

export interface Outcome {
  exitCode: number;
  /** With --json: the document's fields after the envelope. */
  body?: Record<string, unknown>;
}

export interface ToolDefinition {
  spec: ToolSpec;
  /** The schema of the document a command prints; error documents carry the same. */
  schema: (command: string | undefined) => string;
}

/** The schema of `--help --json`. */
export const HELP_SCHEMA = schemaName("help", 1);

/**
 * Parses `argv`, runs `command` and prints how it ended; returns the exit code. Never throws:
 * an error is printed (stderr, or the JSON document) and mapped to its exit code.
 */
export async function runTool(
  tool: ToolDefinition,
  argv: readonly string[],
  io: ToolIO,
  command: (inv: Invocation) => Promise<Outcome>,
): Promise<number> {
  const now = io.now ?? (() => new Date());
  const startedAt = now();
  // Only a tool that has --json answers in JSON (for any other, --json is an unknown option).
  const json = tool.spec.options.json !== undefined && wantsJson(argv);
  const redact = createRedactor();
  const terminals = io.terminals ?? { stdout: PLAIN, stderr: PLAIN };
  let which: string | undefined;
  let printed = false;
  const document = (
    exitCode: number,
    body: Record<string, unknown>,
    schema = tool.schema(which),
    indent: 0 | 2 = 2,
  ) => {
    printed = true;
    io.stdout(redact(jsonDocument(schema, { startedAt, finishedAt: now() }, exitCode, body, indent)));
  };
  try {
    const line = parseCommandLine(tool.spec, argv);
    which = line.command;
    if (line.kind === "help") {
      if (json) document(EXIT.ok, { usage: line.text }, HELP_SCHEMA);
      else io.stdout(line.text);
      return EXIT.ok;
    }
    const outcome = await command({
      command: line.command,
      values: line.values,
      json,
      terminals,
      startedAt,
      redact,
      documentNow: (body) => {
        if (json && !printed) document(EXIT.ok, body, tool.schema(which), 0);
      },
    });
    if (json && !printed) document(outcome.exitCode, outcome.body ?? {});
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof UsageError && err.command !== undefined) which = err.command;
    const exitCode = err instanceof ToolError ? err.exitCode : EXIT.error;
    if (json && !printed) document(exitCode, { error: errorBody(err, redact) });
    else {
      const problems =
        err instanceof ToolError ? err.problems : [err instanceof Error ? err.message : String(err)];
      // The first problem on the Error line, the others indented under it.
      const text = problems.map((p, i) => `${i === 0 ? "Error: " : "  "}${printable(redact(p))}\n`).join("");
      io.stderr(text + (err instanceof UsageError ? `${usageHint(tool.spec, which)}\n` : ""));
    }
    return exitCode;
  }
}

/** A reader that stopped reading (`| head`): later writes are dropped, the exit code is kept. */
let stdoutClosed = false;
let watching = false;
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    stdoutClosed = true;
  });
}

/** This process's streams and environment, with their terminals detected. */
export function processIO(): ToolIO {
  watchStdout();
  return {
    env: process.env,
    stdout: (t) => {
      if (!stdoutClosed) process.stdout.write(t);
    },
    stderr: (t) => process.stderr.write(t),
    terminals: {
      stdout: detectTerminal(process.stdout, process.env),
      stderr: detectTerminal(process.stderr, process.env),
    },
  };
}

/** Runs a tool as this process: its exit code becomes the process's. */
export function runAsMain(run: (argv: string[], io: ToolIO) => Promise<number>): void {
  run(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // runTool never throws; this is a bug in the tool itself.
      process.stderr.write(
        `Error: ${printable(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
      );
      process.exitCode = EXIT.error;
    },
  );
}

/**
 * The first SIGINT (Ctrl-C) or SIGTERM this process gets, for a long-running tool to stop what it
 * started before it exits (with SIGNAL_EXIT's code, ./exit-codes.ts). Listening replaces node's
 * default of dying at once, for one signal of each kind.
 */
export function stopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}
