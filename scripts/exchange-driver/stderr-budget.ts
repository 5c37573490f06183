// How much the driver writes to stderr (docs/exchange-step.md, "How big a record can be").
// @pulumi/command keeps a successful run's stderr in state and hands it to the next update and to
// delete in ONE environment variable, PULUMI_COMMAND_STDERR, beside PULUMI_COMMAND_STDOUT
// (docs/pulumi-lifecycle.md); Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN). A first
// apply on 10,000 mailboxes prints a line per change, about 1 MB: every later `pulumi up` and the
// destroy would then fail with "Argument list too long" before the driver starts. So the log is
// bounded: every line while the run has written less than DETAIL_LIMIT bytes; after that only the
// progress lines (periodic, scripts/cli/progress.ts) and the essential ones (the session's counts
// and the summary), up to STDERR_LIMIT; one line says what was left out. Errors are printed apart,
// in full: a failed run's stderr is not kept in state.
import { PROGRESS_LINE } from "../cli/progress";

/** Bytes of stderr after which only progress and essential lines are written: 48 KiB. */
export const DETAIL_LIMIT = 48 * 1024;
/** Bytes of stderr the driver writes at most through the log (essential lines included): 96 KiB. */
export const STDERR_LIMIT = 96 * 1024;

export interface BoundedLog {
  /** A line for people: written while under the budget (a progress line a little longer). */
  (line: string): void;
  /** A line that is always written while under STDERR_LIMIT: the counts and the summary. */
  essential(line: string): void;
  /** Lines left out so far. */
  readonly dropped: number;
}

/**
 * Wraps `write` (one line, no newline; the caller adds its prefix). `text` is the line as it will be
 * written (prefix, escaping and newline included), for counting bytes.
 */
export function boundedLog(write: (line: string) => void, text: (line: string) => string): BoundedLog {
  let written = 0;
  let dropped = 0;
  let told = false;
  const put = (line: string) => {
    written += Buffer.byteLength(text(line));
    write(line);
  };
  const log = ((line: string) => {
    const bytes = Buffer.byteLength(text(line));
    if (written + bytes <= DETAIL_LIMIT) return put(line);
    if (PROGRESS_LINE.test(line) && written + bytes <= STDERR_LIMIT - 4096) return put(line);
    dropped++;
    if (!told && written <= STDERR_LIMIT - 4096) {
      told = true;
      put(
        "further lines are left out (the progress lines go on): @pulumi/command keeps stderr and hands it to the next " +
          "run in one environment variable, which Linux caps at 128 KiB; the record on stdout lists every mailbox",
      );
    }
  }) as BoundedLog;
  log.essential = (line: string) => {
    const bytes = Buffer.byteLength(text(line));
    if (written + bytes <= STDERR_LIMIT) return put(line);
    dropped++;
  };
  Object.defineProperty(log, "dropped", { get: () => dropped });
  return log;
}
