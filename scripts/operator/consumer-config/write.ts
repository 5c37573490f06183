// Writes a file only its owner can read (mode 0600), whatever the umask and whatever was there: the
// text goes to a new temporary file beside it, created exclusively with mode 0600 (O_CREAT|O_EXCL),
// then renamed over the target, so no moment exists where the secret is in a file others can read.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, openSync, renameSync, rmSync, writeSync, constants } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writePrivateFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
