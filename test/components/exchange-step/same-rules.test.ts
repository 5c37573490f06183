// One set of rules: what the stack config refuses, the driver's decoder refuses too, in the same
// words (after the name of the key or variable), so a value never passes one and fails the other.
import { describe, expect, it } from "vitest";
import {
  DriverEnvironmentError,
  decodeDriverEnvironment,
  encodeDriverEnvironment,
} from "../../../components/exchange-step/codec";
import { parseStackConfig } from "../../../components/config";
import { HOSTILE_ADDRESSES, HOSTILE_TEXT } from "../../hostile-input/values";

const GOOD_CONFIG = {
  tenantId: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
  organization: "contoso.onmicrosoft.com",
  mailboxes: ["helpdesk@contoso.com"],
  exchange: { connection: "managedIdentity" } as Record<string, unknown>,
};
const GOOD_ENV = encodeDriverEnvironment({
  desired: {
    appId: "11111111-1111-4111-8111-111111111111",
    servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
    displayName: "exo-oauth-dev",
    mailboxes: [{ address: "helpdesk@contoso.com", sendAs: false }],
  },
  connection: {
    connection: "managedIdentity",
    organization: "contoso.onmicrosoft.com",
    pwsh: "pwsh",
    retryDeadlineSeconds: 600,
  },
});

/** The config's message at `path` for `values`. */
function configSays(values: Record<string, unknown>, path: string): string {
  const r = parseStackConfig({ stack: "dev", values, secretKeys: new Set<string>() });
  if (r.ok) throw new Error(`the config accepted ${JSON.stringify(values)}`);
  const issue = r.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}: ${JSON.stringify(r.issues)}`);
  return issue.message;
}

/** The decoder's message for the variable, without its name. */
function driverSays(env: Record<string, string>, name: string): string {
  try {
    decodeDriverEnvironment(env);
  } catch (e) {
    const problem = (e as DriverEnvironmentError).problems.find(
      (p) => p.startsWith(`${name} `) || p.startsWith(`${name}:`),
    );
    if (problem) return problem.slice(problem.indexOf("): ") + 3);
    throw new Error(`no problem for ${name}: ${String(e)}`);
  }
  throw new Error(`the driver accepted ${name}`);
}

describe("the config and the driver refuse the same values in the same words", () => {
  it.each([
    ["an organization that is not the initial domain", "contoso.com"],
    ["a sub-domain of onmicrosoft.com", "contoso.mail.onmicrosoft.com"],
  ])("organization: %s", (_what, value) => {
    expect(driverSays({ ...GOOD_ENV, EXO_OAUTH_ORGANIZATION: value }, "EXO_OAUTH_ORGANIZATION")).toBe(
      configSays({ ...GOOD_CONFIG, organization: value }, "exo-oauth:organization"),
    );
  });

  it.each([
    ["10", 10],
    ["3601", 3601],
    ["90.5", 90.5],
  ] as const)("retryDeadlineSeconds %s", (text, n) => {
    expect(
      driverSays({ ...GOOD_ENV, EXO_OAUTH_RETRY_DEADLINE_SECONDS: text }, "EXO_OAUTH_RETRY_DEADLINE_SECONDS"),
    ).toBe(
      configSays(
        { ...GOOD_CONFIG, exchange: { connection: "managedIdentity", retryDeadlineSeconds: n } },
        "exo-oauth:exchange.retryDeadlineSeconds",
      ),
    );
  });

  it("a managed identity id that is not a GUID", () => {
    expect(
      driverSays(
        { ...GOOD_ENV, EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID: "my-identity" },
        "EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID",
      ),
    ).toBe(
      configSays(
        {
          ...GOOD_CONFIG,
          exchange: { connection: "managedIdentity", managedIdentityAccountId: "my-identity" },
        },
        "exo-oauth:exchange.managedIdentityAccountId",
      ),
    );
  });

  it("an automation application id that is not a GUID", () => {
    const env = {
      ...GOOD_ENV,
      EXO_OAUTH_CONNECTION: "certificate",
      EXO_OAUTH_CONNECT_APP_ID: "my-app",
      EXO_OAUTH_CERTIFICATE: "MIIA",
    };
    expect(driverSays(env, "EXO_OAUTH_CONNECT_APP_ID")).toBe(
      configSays(
        { ...GOOD_CONFIG, exchange: { connection: "certificate", appId: "my-app", certificate: "MIIA" } },
        "exo-oauth:exchange.appId",
      ),
    );
  });

  it.each(["EXO ACCESS TOKEN", "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2ln"])(
    "an access token variable name %j",
    (value) => {
      expect(
        driverSays(
          { ...GOOD_ENV, EXO_OAUTH_CONNECTION: "accessToken", EXO_OAUTH_ACCESS_TOKEN_ENV: value },
          "EXO_OAUTH_ACCESS_TOKEN_ENV",
        ),
      ).toBe(
        configSays(
          { ...GOOD_CONFIG, exchange: { connection: "accessToken", accessTokenEnv: value } },
          "exo-oauth:exchange.accessTokenEnv",
        ),
      );
    },
  );

  it("a mailbox address", () => {
    expect(
      driverSays(
        { ...GOOD_ENV, EXO_OAUTH_MAILBOXES: '[{"address":"helpdesk"}]' },
        "EXO_OAUTH_MAILBOXES[0].address",
      ),
    ).toBe(configSays({ ...GOOD_CONFIG, mailboxes: ["helpdesk"] }, "exo-oauth:mailboxes[0]"));
  });

  it.each(HOSTILE_ADDRESSES.filter((a) => !a.accepted).map((a) => [a.label, a.value] as const))(
    "a hostile mailbox address: %s",
    (_label, value) => {
      expect(
        driverSays(
          { ...GOOD_ENV, EXO_OAUTH_MAILBOXES: JSON.stringify([{ address: value, sendAs: false }]) },
          "EXO_OAUTH_MAILBOXES[0].address",
        ),
      ).toBe(configSays({ ...GOOD_CONFIG, mailboxes: [value] }, "exo-oauth:mailboxes[0]"));
    },
  );

  it.each(HOSTILE_TEXT.filter((h) => h.invisible).map((h) => [h.label, h.value] as const))(
    "a display name with %s, and an organization with it (kept, not trimmed away)",
    (_label, value) => {
      expect(driverSays({ ...GOOD_ENV, EXO_OAUTH_DISPLAY_NAME: value }, "EXO_OAUTH_DISPLAY_NAME")).toBe(
        configSays(
          { ...GOOD_CONFIG, application: { displayName: value } },
          "exo-oauth:application.displayName",
        ),
      );
      const organization = `contoso.onmicrosoft.com${value}`;
      expect(
        driverSays({ ...GOOD_ENV, EXO_OAUTH_ORGANIZATION: organization }, "EXO_OAUTH_ORGANIZATION"),
      ).toBe(configSays({ ...GOOD_CONFIG, organization }, "exo-oauth:organization"));
    },
  );
});
