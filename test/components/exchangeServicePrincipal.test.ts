// The Exchange Online service principal's states that make consent or logins fail, each with its
// own message; and how it is read (absent is an empty answer, never an error read as absent).
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  assertExchangeServicePrincipal,
  exchangeServicePrincipalProblems,
  readExchangeServicePrincipal,
  type ExchangeReads,
} from "../../components/exchangeServicePrincipal";
import { EXCHANGE_ONLINE_APP_ID } from "../../components/microsoft";

const ROLES = { "IMAP.AccessAsApp": "i", "POP.AccessAsApp": "p", "SMTP.SendAsApp": "s" };
const healthy = { objectId: "exo", appRoleIds: ROLES, appRoleEnabled: {}, accountEnabled: true };

describe("exchangeServicePrincipalProblems", () => {
  it("is empty for an enabled service principal publishing every chosen role, assignment required or not", () => {
    expect(exchangeServicePrincipalProblems(healthy, ["imap", "pop", "smtp"])).toEqual([]);
    expect(
      exchangeServicePrincipalProblems({ ...healthy, appRoleAssignmentRequired: true }, ["imap"]),
    ).toEqual([]);
  });

  it.each<[string, Parameters<typeof exchangeServicePrincipalProblems>[0], string]>([
    ["disabled", { ...healthy, accountEnabled: false }, "is disabled (accountEnabled false"],
    [
      "a chosen role disabled",
      { ...healthy, appRoleEnabled: { "POP.AccessAsApp": false } },
      'app role "POP.AccessAsApp" (id p), needed for protocol "pop", is disabled',
    ],
    [
      "a chosen role missing",
      { ...healthy, appRoleIds: { "IMAP.AccessAsApp": "i" } },
      'has no app role "POP.AccessAsApp", needed for protocol "pop"; it publishes: IMAP.AccessAsApp',
    ],
  ])("reports it %s, with what to do", (_what, sp, message) => {
    const problems = exchangeServicePrincipalProblems(sp, ["imap", "pop"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("ignores a disabled role no protocol needs", () => {
    expect(
      exchangeServicePrincipalProblems({ ...healthy, appRoleEnabled: { "SMTP.SendAsApp": false } }, ["imap"]),
    ).toEqual([]);
  });

  it("assertExchangeServicePrincipal throws one RunError with every problem", () => {
    let err: unknown;
    try {
      assertExchangeServicePrincipal(
        { ...healthy, accountEnabled: false, appRoleEnabled: { "IMAP.AccessAsApp": false } },
        ["imap"],
      );
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message.split("\n")).toHaveLength(3);
  });
});

describe("readExchangeServicePrincipal", () => {
  const reads = (found: boolean, fail?: string): ExchangeReads => ({
    getServicePrincipals: (async () => {
      if (fail) throw new Error(fail);
      return {
        servicePrincipals: found
          ? [
              {
                clientId: EXCHANGE_ONLINE_APP_ID,
                objectId: "exo",
                accountEnabled: false,
                appRoleAssignmentRequired: true,
              },
            ]
          : [],
      };
    }) as unknown as ExchangeReads["getServicePrincipals"],
    getServicePrincipal: (async () => ({
      appRoleIds: ROLES,
      appRoles: [{ value: "IMAP.AccessAsApp", enabled: false }],
    })) as unknown as ExchangeReads["getServicePrincipal"],
  });

  it("returns the object id, roles, role states, account state and assignment requirement", async () => {
    await expect(readExchangeServicePrincipal(reads(true))).resolves.toEqual({
      objectId: "exo",
      appRoleIds: ROLES,
      appRoleEnabled: { "IMAP.AccessAsApp": false },
      accountEnabled: false,
      appRoleAssignmentRequired: true,
    });
  });

  it("says the tenant has none when the lookup answers an empty list", async () => {
    await expect(readExchangeServicePrincipal(reads(false))).rejects.toThrow("the tenant has none.");
  });

  it("never reads a failed lookup as absent: it names the error and the permission", async () => {
    const err = await readExchangeServicePrincipal(reads(true, "unexpected status 403")).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain("unexpected status 403; the deploying identity needs");
    expect((err as Error).message).not.toContain("has none");
  });
});
