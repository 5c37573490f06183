// The Command → driver environment contract (scripts/exchange-driver/env.ts).
import { describe, expect, it } from "vitest";
import {
  DRIVER_ENV,
  DriverEnvironmentError,
  encodeDriverEnvironment,
  readDriverEnvironment,
  toSessionSettings,
  type DriverSettings,
} from "../../scripts/exchange-driver/env";

const settings: DriverSettings = {
  desired: {
    appId: "11111111-1111-4111-8111-111111111111",
    servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
    displayName: "Mail OAuth - helpdesk",
    mailboxes: [
      { address: "helpdesk@contoso.com", sendAs: false },
      { address: "billing@contoso.com", sendAs: true },
    ],
  },
  organization: "contoso.onmicrosoft.com",
  connection: {
    connection: "certificate",
    connectAppId: "55555555-5555-4555-8555-555555555555",
    certificate: "MIIKcert-base64",
    certificatePassword: "pfx-password-1",
  },
  pwsh: "pwsh",
  retryDeadlineSeconds: 600,
};

describe("the driver environment", () => {
  it("round-trips every setting through environment variables", () => {
    const env = encodeDriverEnvironment(settings);
    expect(readDriverEnvironment(env)).toEqual(settings);
  });

  it("carries the service principal's object id under its own name, apart from the client id", () => {
    const env = encodeDriverEnvironment(settings);
    expect(env[DRIVER_ENV.servicePrincipalObjectId]).toBe(settings.desired.servicePrincipalObjectId);
    expect(env[DRIVER_ENV.appId]).toBe(settings.desired.appId);
  });

  it("maps to session.ts's connection settings", () => {
    expect(toSessionSettings(settings)).toEqual({
      connection: "certificate",
      automationAppId: "55555555-5555-4555-8555-555555555555",
      certificate: "MIIKcert-base64",
      certificatePassword: "pfx-password-1",
      organization: "contoso.onmicrosoft.com",
      pwsh: "pwsh",
      retryDeadlineSeconds: 600,
    });
    const token = {
      ...settings,
      connection: { connection: "accessToken" as const, accessTokenEnv: "EXO_TOKEN" },
    };
    expect(toSessionSettings(token)).toMatchObject({
      connection: "accessToken",
      accessTokenEnv: "EXO_TOKEN",
    });
  });

  it("reports every problem at once, naming the variable and what is allowed", () => {
    let err: unknown;
    try {
      readDriverEnvironment({
        [DRIVER_ENV.appId]: "not-a-guid",
        [DRIVER_ENV.servicePrincipalObjectId]: "",
        [DRIVER_ENV.mailboxes]: JSON.stringify([
          { address: "nope" },
          { address: "a@b.com", sendAs: "yes" },
          { address: "A@b.com" },
        ]),
        [DRIVER_ENV.connection]: "manual",
        [DRIVER_ENV.organization]: "",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DriverEnvironmentError);
    const problems = (err as DriverEnvironmentError).problems;
    expect(problems).toEqual([
      `EXO_OAUTH_APP_ID must be the application (client) id, a GUID (got "not-a-guid")`,
      `EXO_OAUTH_SP_OBJECT_ID must be the enterprise application's (service principal's) object id, a GUID (got nothing)`,
      `EXO_OAUTH_DISPLAY_NAME must not be empty`,
      `EXO_OAUTH_MAILBOXES[0].address must be an email address (got "nope")`,
      `EXO_OAUTH_MAILBOXES[1].sendAs must be true or false (got "yes")`,
      `EXO_OAUTH_MAILBOXES[2].address a@b.com is listed twice`,
      `EXO_OAUTH_ORGANIZATION must be the tenant's domain, e.g. contoso.onmicrosoft.com (got nothing)`,
      expect.stringMatching(
        /^EXO_OAUTH_CONNECTION must be one of certificate, managedIdentity, accessToken \(got "manual"\)/,
      ),
    ]);
  });

  it("refuses the client id given as the service principal object id", () => {
    const env = encodeDriverEnvironment(settings);
    env[DRIVER_ENV.servicePrincipalObjectId] = settings.desired.appId;
    expect(() => readDriverEnvironment(env)).toThrow(/EXO_OAUTH_SP_OBJECT_ID equals EXO_OAUTH_APP_ID/);
  });

  it("never echoes a secret in its errors", () => {
    const env = encodeDriverEnvironment(settings);
    env[DRIVER_ENV.connectAppId] = "bad";
    env[DRIVER_ENV.appId] = "bad";
    try {
      readDriverEnvironment(env);
      expect.unreachable();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("MIIKcert-base64");
      expect(String((e as Error).message)).not.toContain("pfx-password-1");
    }
  });

  it("accepts every address the stack config accepts, e.g. one with an apostrophe", () => {
    // components/config.ts accepts o'brien@contoso.com; refusing it here would fail `pulumi up`
    // in the Command, after the Entra application was already created.
    const env = encodeDriverEnvironment({
      ...settings,
      desired: { ...settings.desired, mailboxes: [{ address: "o'brien@contoso.com", sendAs: false }] },
    });
    expect(readDriverEnvironment(env).desired.mailboxes).toEqual([
      { address: "o'brien@contoso.com", sendAs: false },
    ]);
  });

  it("never echoes an access token pasted where the variable's name belongs", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2lnbmF0dXJl";
    const env: Record<string, string> = {
      ...encodeDriverEnvironment({
        ...settings,
        connection: { connection: "accessToken", accessTokenEnv: "EXO_ACCESS_TOKEN" },
      }),
      [DRIVER_ENV.accessTokenEnv]: token,
    };
    let message = "";
    try {
      readDriverEnvironment(env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/EXO_OAUTH_ACCESS_TOKEN_ENV must name an environment variable/);
    for (const part of [token, ...token.split(".")]) expect(message).not.toContain(part.slice(0, 20));
  });
});
