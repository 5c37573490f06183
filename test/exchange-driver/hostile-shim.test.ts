// Hostile PowerShell processes (issue #14, "Unbounded reads and waits"): an endless line, a shim
// that never answers, a response for another or no request. Each ends the session with a clear
// error naming the cmdlet; none is accepted as an answer. The processes are sh scripts posing as pwsh.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ExchangeSessionError,
  openExchangeSession,
  type ExchangeSession,
  type ExchangeSessionOptions,
} from "../../scripts/exchange-driver/session";

/** Answers the connect request (its id is 1), then behaves as `rest`. */
function hostilePwsh(rest: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "exo-hostile-")), "pwsh");
  writeFileSync(path, `#!/bin/sh\nread line\necho '{"id":1,"ok":true,"result":[],"warnings":[]}'\n${rest}\n`);
  chmodSync(path, 0o755);
  return path;
}

function options(pwsh: string, extra: Partial<ExchangeSessionOptions> = {}): ExchangeSessionOptions {
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

async function failure(session: ExchangeSession): Promise<Error> {
  try {
    await session.invoke("Get-Mailbox", { Identity: "a@contoso.com" });
  } catch (err) {
    return err as Error;
  } finally {
    await session.close();
  }
  throw new Error("the request was answered");
}

describe("a hostile PowerShell", () => {
  it("writing an endless line is stopped at the line cap, not buffered", async () => {
    const session = await openExchangeSession(
      options(hostilePwsh("read line\nhead -c 3000000 /dev/zero | tr '\\\\0' 'x'\nsleep 30"), {
        maxLineLength: 1024 * 1024,
      }),
    );
    const err = await failure(session);
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err.message).toMatch(
      /^Running Get-Mailbox: PowerShell wrote a line of more than 1048576 characters \(\d+ so far\) on its protocol stream: the JSON-lines protocol with the shim is broken, so the process was stopped$/,
    );
  });

  it("answering with id null is a protocol error, not an answer", async () => {
    const session = await openExchangeSession(
      options(
        hostilePwsh(
          `read line\necho '{"id":null,"ok":true,"result":[{"PrimarySmtpAddress":"forged@evil.example"}],"warnings":[]}'\nsleep 30`,
        ),
      ),
    );
    const err = await failure(session);
    expect(err.message).toBe(
      "Running Get-Mailbox: PowerShell sent a response with id null: the JSON-lines protocol with the shim is broken, so the process was stopped",
    );
  });

  it("answering with an id no request has is a protocol error, not an answer", async () => {
    const session = await openExchangeSession(
      options(hostilePwsh(`read line\necho '{"id":99,"ok":true,"result":[],"warnings":[]}'\nsleep 30`)),
    );
    const err = await failure(session);
    expect(err.message).toBe(
      "Running Get-Mailbox: PowerShell sent a response with id 99, while request 2 was waiting: the JSON-lines protocol with the shim is broken, so the process was stopped",
    );
  });

  it("never answering is stopped at the run's deadline, however long the per-request timeout", async () => {
    const started = Date.now();
    const session = await openExchangeSession(
      options(hostilePwsh("read line\nsleep 60"), { requestTimeoutMs: 600_000, runDeadlineMs: 1500 }),
    );
    const err = await failure(session);
    expect(err.message).toMatch(
      /^Running Get-Mailbox: no answer from PowerShell before the run's deadline \(\d+ ms left of it: exo-oauth:exchange\.retryDeadlineSeconds plus 600 s for answers\); the process was stopped$/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
