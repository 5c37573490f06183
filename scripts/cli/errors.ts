// The errors a tool stops on before it does anything, by kind: each kind has its exit code
// (./exit-codes.ts) and its `error.kind` in a --json document (./json.ts). Any other error a tool
// throws is a failed run (exit 1, kind "error").
import { EXIT } from "./exit-codes";

export type ErrorKind = "usage" | "input" | "error";

/** A stop with a list of problems, each one line; `message` joins them. */
export class ToolError extends Error {
  readonly problems: readonly string[];
  constructor(
    readonly kind: ErrorKind,
    problems: string | readonly string[],
  ) {
    const list = typeof problems === "string" ? [problems] : [...problems];
    super(list.join("\n"));
    this.problems = list;
  }
  get exitCode(): number {
    return this.kind === "usage" ? EXIT.usage : this.kind === "input" ? EXIT.input : EXIT.error;
  }
}

/** The command line is wrong (exit 64). `command` is the subcommand it was for, when known. */
export class UsageError extends ToolError {
  override name = "UsageError";
  constructor(
    problems: string | readonly string[],
    readonly command?: string,
  ) {
    super("usage", problems);
  }
}

/** An input outside the command line is missing or invalid: environment, stack, a named file (exit 78). */
export class InputError extends ToolError {
  override name = "InputError";
  constructor(problems: string | readonly string[]) {
    super("input", problems);
  }
}

/** The kind of any thrown value: a ToolError says its own; anything else is a failed run. */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof ToolError) return err.kind;
  return "error";
}
