// sh scripts posing as pwsh, for hostile-process tests (test/exchange-driver/hostile-shim.test.ts and
// the hostile-input corpus): each answers the connect request (id 1), then behaves as told.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openExchangeSession, type ExchangeSessionOptions } from "../../scripts/exchange-driver/session";

/** The behaviours the corpus and the tests try, as sh after the connect answer. */
export const HOSTILE_SHIMS = {
  "an endless line": "read line\nhead -c 3000000 /dev/zero | tr '\\\\0' 'x'\nsleep 30",
  "a response with id null": `read line\necho '{"id":null,"ok":true,"result":[{"PrimarySmtpAddress":"forged@evil.example"}],"warnings":[]}'\nsleep 30`,
  "a response with an unknown id": `read line\necho '{"id":99,"ok":true,"result":[],"warnings":[]}'\nsleep 30`,
  "no answer at all": "read line\nsleep 60",
} as const;

/** Writes the script and returns its path. */
export function hostilePwsh(rest: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "exo-hostile-")), "pwsh");
  writeFileSync(path, `#!/bin/sh\nread line\necho '{"id":1,"ok":true,"result":[],"warnings":[]}'\n${rest}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Session options for `pwsh` with nothing else. */
export function hostileOptions(
  pwsh: string,
  extra: Partial<ExchangeSessionOptions> = {},
): ExchangeSessionOptions {
  return {
    settings: {
      connection: "managedIdentity",
      pwsh,
      retryDeadlineSeconds: 30,
      organization: "contoso.onmicrosoft.com",
    },
    env: { PATH: process.env.PATH },
    closeTimeoutMs: 2000,
    ...extra,
  };
}

/** Opens a session on the script, sends one Get-Mailbox, closes; the error, or undefined when it was answered. */
export async function firstRequestError(
  rest: string,
  extra: Partial<ExchangeSessionOptions> = {},
): Promise<Error | undefined> {
  const session = await openExchangeSession(hostileOptions(hostilePwsh(rest), extra));
  try {
    await session.invoke("Get-Mailbox", { Identity: "a@contoso.com" });
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    await session.close();
  }
}
