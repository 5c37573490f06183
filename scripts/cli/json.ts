// The --json document every tool prints: exactly ONE JSON document on stdout, success or failure,
// usage errors included (docs/operations.md, "JSON output"). Every document carries
//   schema      "exo-oauth/<tool>-<what>@<version>": the version changes when a field's meaning does
//   ok          the run succeeded (exit 0 or 2)
//   exitCode    the process's exit code (./exit-codes.ts)
//   startedAt, finishedAt   RFC 3339 UTC, milliseconds
// then either the tool's result, or `error` when the run stopped on one:
//   error       { kind: "usage" | "input" | "error", message, problems: [one line each] }
// Text is written with printableJson: C1 controls, bidi and separators as \u escapes.
import { printableJson } from "../../components/printable";
import { EXIT } from "./exit-codes";
import { ToolError, errorKind, type ErrorKind } from "./errors";

/** The envelope's own fields. */
export interface Envelope {
  schema: string;
  ok: boolean;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
}

/** A document that ends on an error. */
export interface ErrorDocument extends Envelope {
  ok: false;
  error: { kind: ErrorKind; message: string; problems: string[] };
}

/** `exo-oauth/<name>@<version>`. */
export function schemaName(name: string, version: number): string {
  return `exo-oauth/${name}@${version}`;
}

/**
 * The whole document as text, one trailing newline: two-space indented, or on ONE line with
 * `indent` 0 (a document a client reads line by line while the tool runs on: `offline-tenant serve`).
 */
export function jsonDocument(
  schema: string,
  times: { startedAt: Date; finishedAt: Date },
  exitCode: number,
  body: Record<string, unknown>,
  indent: 0 | 2 = 2,
): string {
  const envelope: Envelope = {
    schema,
    ok: exitCode === EXIT.ok || exitCode === EXIT.changes,
    exitCode,
    startedAt: times.startedAt.toISOString(),
    finishedAt: times.finishedAt.toISOString(),
  };
  // The envelope's fields win over a body that happens to carry one of the same name.
  return printableJson({ ...envelope, ...body, ...envelope }, indent || undefined) + "\n";
}

/** The `error` member for a thrown value; `redact` masks secrets in the message first. */
export function errorBody(err: unknown, redact: (s: string) => string = (s) => s): ErrorDocument["error"] {
  const problems =
    err instanceof ToolError
      ? err.problems.map(redact)
      : hasProblems(err)
        ? err.problems.map(redact)
        : [redact(err instanceof Error ? err.message : String(err))];
  const message = redact(err instanceof Error ? err.message : String(err));
  return { kind: errorKind(err), message, problems };
}

function hasProblems(err: unknown): err is { problems: string[] } {
  const p = (err as { problems?: unknown } | null)?.problems;
  return Array.isArray(p) && p.every((x) => typeof x === "string");
}
