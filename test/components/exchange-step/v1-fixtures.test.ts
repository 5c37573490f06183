// Old state runs new code: the Command environments and records deployed stacks hold (captured
// from the shipped code in test/fixtures/exchange-step-v1/, never edited) decode with today's
// decoder into the desired state and connection they meant, and records re-print byte for byte.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeDriverEnvironment, encodeDriverEnvironment } from "../../../components/exchange-step/codec";
import { formatRecord, parseRecord } from "../../../components/exchange-step/record";

const DIR = resolve(__dirname, "../../fixtures/exchange-step-v1");
const json = (file: string) => JSON.parse(readFileSync(join(DIR, file), "utf8")) as Record<string, string>;
const text = (file: string) => readFileSync(join(DIR, file), "utf8");

const DESIRED = {
  appId: "22222222-2222-4222-8222-222222222222",
  servicePrincipalObjectId: "33333333-3333-4333-8333-333333333333",
  displayName: "Mail OAuth (helpdesk)",
  mailboxes: [
    { address: "helpdesk@contoso.com", sendAs: false },
    { address: "billing@contoso.com", sendAs: true },
  ],
};
const COMMON = { organization: "contoso.onmicrosoft.com", pwsh: "pwsh" };

describe("contract v1 environments decode as they were meant", () => {
  it.each([
    [
      "environment-certificate.json",
      {
        connection: "certificate",
        automationAppId: "44444444-4444-4444-8444-444444444444",
        certificate: "MIIKNOTAREALPFXFIXTURE0000",
        certificatePassword: "fixture-password",
        retryDeadlineSeconds: 600,
        ...COMMON,
      },
    ],
    [
      "environment-managedIdentity.json",
      {
        connection: "managedIdentity",
        managedIdentityAccountId: "55555555-5555-4555-8555-555555555555",
        retryDeadlineSeconds: 600,
        ...COMMON,
      },
    ],
    [
      "environment-accessToken.json",
      { connection: "accessToken", accessTokenEnv: "EXO_ACCESS_TOKEN", retryDeadlineSeconds: 120, ...COMMON },
    ],
  ])("%s", (file, connection) => {
    const env = json(file);
    const settings = decodeDriverEnvironment(env);
    expect(settings).toEqual({ desired: DESIRED, connection });
    // And today's encoder writes exactly what was deployed: an update shows no diff.
    expect(encodeDriverEnvironment(settings)).toEqual(env);
  });
});

describe("contract v1 records", () => {
  it.each(["record.txt", "record-removed.txt"])("%s parses and re-prints byte for byte", (file) => {
    const stored = text(file).trim();
    const record = parseRecord(stored);
    expect(record).not.toBeNull();
    expect(formatRecord(record!)).toBe(stored);
  });

  it("record.txt lists the grants removal revokes", () => {
    expect(parseRecord(text("record.txt"))).toEqual({
      schema: "exo-oauth/exchange-record@1",
      appId: DESIRED.appId,
      servicePrincipal: {
        objectId: DESIRED.servicePrincipalObjectId,
        sid: "S-1-5-21-1111111111-2222222222-3333333333-4444",
        displayName: "Mail OAuth (helpdesk)",
      },
      mailboxes: [
        { address: "billing@contoso.com", fullAccess: true, sendAs: true },
        { address: "helpdesk@contoso.com", fullAccess: true, sendAs: false },
      ],
    });
  });
});
