// The few command-line conventions the demo and `serve` share: exit codes, the JSON envelope and
// colour. Kept in this one small file so moving to the project's shared CLI kit (one parser, one
// exit-code table, one envelope, one colour rule) is a change of imports here.
import type { WriteStream } from "node:tty";

/** Exit codes: 0 all as expected, 1 something the story expects did not hold, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage error: printed with the usage, exit 2. */
export class UsageError extends Error {}

/** `{ schema, ok, startedAt, finishedAt, … }`: one JSON document per run. */
export function envelope<T extends object>(
  schema: string,
  ok: boolean,
  startedAt: Date,
  finishedAt: Date,
  body: T,
): { schema: string; ok: boolean; startedAt: string; finishedAt: string } & T {
  return { schema, ok, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), ...body };
}

export interface Colour {
  bold(t: string): string;
  dim(t: string): string;
  green(t: string): string;
  red(t: string): string;
  yellow(t: string): string;
}

const sgr = (open: number, close: number) => (t: string) => `\x1b[${open}m${t}\x1b[${close}m`;
const plain = (t: string) => t;
export const NO_COLOUR: Colour = { bold: plain, dim: plain, green: plain, red: plain, yellow: plain };
const ANSI: Colour = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  green: sgr(32, 39),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
};

/**
 * Colour only on a terminal that supports it: a TTY with at least 16 colours, and NO_COLOR unset
 * or empty (https://no-color.org: "when present and not an empty string").
 */
export function colourFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Colour {
  if (env.NO_COLOR) return NO_COLOUR;
  const tty = stream as Partial<WriteStream>;
  if (!stream.isTTY || typeof tty.getColorDepth !== "function") return NO_COLOUR;
  return tty.getColorDepth(env) >= 4 ? ANSI : NO_COLOUR;
}
