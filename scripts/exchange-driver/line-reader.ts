// Splits a child's stdout into lines with a cap on each (docs/security.md, "Bounded reads"): a shim
// or module writing an endless line must end the session with a clear error, never make the driver
// buffer it (a 700 MB line once crashed it: issue #14). node:readline has no limit, hence this.

/** The longest line the driver accepts from PowerShell, in UTF-16 code units (≈ bytes for JSON). Default 4 MiB. */
export const MAX_LINE_LENGTH = 4 * 1024 * 1024;

/**
 * Calls `onLine` for each "\n"-terminated line (a trailing "\r" dropped) of the stream, and
 * `onTooLong(length)` once, instead of buffering further, when a line passes `max`.
 */
export function readLines(
  stream: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  onTooLong: (length: number) => void,
  max = MAX_LINE_LENGTH,
): void {
  let pending = "";
  let stopped = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    if (stopped) return;
    let start = 0;
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const line = pending + chunk.slice(start, nl);
      pending = "";
      start = nl + 1;
      if (line.length > max) return tooLong(line.length);
      onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (stopped) return;
    }
    pending += chunk.slice(start);
    if (pending.length > max) tooLong(pending.length);
  });
  stream.on("end", () => {
    if (!stopped && pending) onLine(pending);
    pending = "";
  });
  function tooLong(length: number) {
    stopped = true;
    pending = "";
    onTooLong(length);
  }
}
