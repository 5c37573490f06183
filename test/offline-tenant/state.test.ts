// withFileLock (scripts/offline-tenant/state.ts): the lock directory every read-modify-write of
// the tenant state and the simulator's stats goes through.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emptyStats, mergeSimStats, readSimStats } from "../../scripts/offline-tenant/exchange/stats";
import {
  newTenantState,
  readState,
  updateState,
  withFileLock,
  writeState,
} from "../../scripts/offline-tenant/state";

const tempFile = (name: string) => join(mkdtempSync(join(tmpdir(), "exo-lock-")), name);

describe("withFileLock", () => {
  it("holds the lock directory while fn runs, returns its result and releases the lock", () => {
    const path = tempFile("doc.json");
    const result = withFileLock(path, () => {
      expect(existsSync(`${path}.lock`)).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("releases the lock when fn throws", () => {
    const path = tempFile("doc.json");
    expect(() =>
      withFileLock(path, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it.each([
    ["tenant state", (path: string) => updateState(path, () => undefined, 50)],
    ["simulator stats", (path: string) => mergeSimStats(path, emptyStats(), 50)],
  ])("gives up on a lock held too long, naming the %s file and the lock", (what, write) => {
    const path = tempFile("doc.json");
    writeState(path, newTenantState());
    mkdirSync(`${path}.lock`);
    expect(() => write(path)).toThrow(`Locking ${what} ${path}: ${path}.lock held for over 50 ms`);
  });

  it("lets updateState and mergeSimStats keep their read-modify-write", () => {
    const statePath = tempFile("tenant.json");
    writeState(statePath, newTenantState({ mailboxes: ["a@contoso.com"] }));
    updateState(statePath, (s) => void (s.organization = "fabrikam.onmicrosoft.com"));
    expect(readState(statePath).organization).toBe("fabrikam.onmicrosoft.com");

    const statsPath = tempFile("stats.json");
    mergeSimStats(statsPath, { ...emptyStats(), sessions: 2, cmdlets: { "Get-Mailbox": 1 } });
    mergeSimStats(statsPath, { ...emptyStats(), sessions: 1, cmdlets: { "Get-Mailbox": 2 } });
    expect(readSimStats(statsPath)).toMatchObject({ sessions: 3, cmdlets: { "Get-Mailbox": 3 } });
  });
});
