// Hostile PowerShell processes (issue #14, "Unbounded reads and waits"): an endless line, a shim
// that never answers, a response for another or no request. Each ends the session with a clear
// error naming the cmdlet; none is accepted as an answer. The processes are sh scripts posing as pwsh.
import { describe, expect, it } from "vitest";
import { ExchangeSessionError } from "../../scripts/exchange-driver/session";
import { HOSTILE_SHIMS, firstRequestError } from "../support/hostile-pwsh";

describe("a hostile PowerShell", () => {
  it("writing an endless line is stopped at the line cap, not buffered", async () => {
    const err = await firstRequestError(HOSTILE_SHIMS["an endless line"], { maxLineLength: 1024 * 1024 });
    expect(err).toBeInstanceOf(ExchangeSessionError);
    expect(err!.message).toMatch(
      /^Running Get-Mailbox: PowerShell wrote a line of more than 1048576 characters \(\d+ so far\) on its protocol stream: the JSON-lines protocol with the shim is broken, so the process was stopped$/,
    );
  });

  it("answering with id null is a protocol error, not an answer", async () => {
    const err = await firstRequestError(HOSTILE_SHIMS["a response with id null"]);
    expect(err?.message).toBe(
      "Running Get-Mailbox: PowerShell sent a response with id null: the JSON-lines protocol with the shim is broken, so the process was stopped",
    );
  });

  it("answering with an id no request has is a protocol error, not an answer", async () => {
    const err = await firstRequestError(HOSTILE_SHIMS["a response with an unknown id"]);
    expect(err?.message).toBe(
      "Running Get-Mailbox: PowerShell sent a response with id 99, while request 2 was waiting: the JSON-lines protocol with the shim is broken, so the process was stopped",
    );
  });

  it("never answering is stopped at the run's deadline, however long the per-request timeout", async () => {
    const started = Date.now();
    const err = await firstRequestError(HOSTILE_SHIMS["no answer at all"], {
      requestTimeoutMs: 600_000,
      runDeadlineMs: 1500,
    });
    expect(err?.message).toMatch(
      /^Running Get-Mailbox: no answer from PowerShell before the run's deadline \(\d+ ms left of it: exo-oauth:exchange\.retryDeadlineSeconds plus 600 s for answers\); the process was stopped$/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
