// The Command → driver environment: one encode, one decode, the same settings shape both ways.
import { describe, expect, it } from "vitest";
import {
  DriverEnvironmentError,
  decodeDesiredState,
  decodeDriverEnvironment,
  encodeDriverEnvironment,
  type DriverSettings,
} from "../../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../../components/exchange-step/environment";

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
  connection: {
    connection: "certificate",
    automationAppId: "55555555-5555-4555-8555-555555555555",
    certificate: "MIIKcert-base64",
    certificatePassword: "pfx-password-1",
    organization: "contoso.onmicrosoft.com",
    pwsh: "pwsh",
    retryDeadlineSeconds: 600,
  },
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    decodeDriverEnvironment(env);
  } catch (e) {
    expect(e).toBeInstanceOf(DriverEnvironmentError);
    return (e as DriverEnvironmentError).problems;
  }
  throw new Error("expected the environment to be refused");
}

describe("the driver environment", () => {
  it("round-trips every connection mode through environment variables, as the same settings shape", () => {
    const modes: DriverSettings["connection"][] = [
      settings.connection,
      {
        connection: "managedIdentity",
        organization: "contoso.onmicrosoft.com",
        pwsh: "/usr/bin/pwsh",
        retryDeadlineSeconds: 30,
      },
      {
        connection: "managedIdentity",
        managedIdentityAccountId: "66666666-6666-4666-8666-666666666666",
        organization: "contoso.onmicrosoft.com",
        pwsh: "pwsh",
        retryDeadlineSeconds: 3600,
      },
      {
        connection: "accessToken",
        accessTokenEnv: "EXO_TOKEN",
        organization: "contoso.onmicrosoft.com",
        pwsh: "pwsh",
        retryDeadlineSeconds: 600,
      },
    ];
    for (const connection of modes) {
      const s = { ...settings, connection };
      expect(decodeDriverEnvironment(encodeDriverEnvironment(s))).toEqual(s);
    }
  });

  it("carries the service principal's object id and the two applications' ids under their own names", () => {
    const env = encodeDriverEnvironment(settings);
    expect(env[DRIVER_ENV.servicePrincipalObjectId]).toBe(settings.desired.servicePrincipalObjectId);
    expect(env[DRIVER_ENV.appId]).toBe(settings.desired.appId);
    expect(env.EXO_OAUTH_CONNECT_APP_ID).toBe("55555555-5555-4555-8555-555555555555");
  });

  it("defaults pwsh and the retry deadline when they are unset", () => {
    const env = encodeDriverEnvironment(settings);
    delete env[DRIVER_ENV.pwsh];
    delete env[DRIVER_ENV.retryDeadlineSeconds];
    expect(decodeDriverEnvironment(env).connection).toMatchObject({
      pwsh: "pwsh",
      retryDeadlineSeconds: 600,
    });
  });

  it("reports every problem at once, naming the variable, its config key and what is allowed", () => {
    expect(
      problemsOf({
        [DRIVER_ENV.appId]: "not-a-guid",
        [DRIVER_ENV.servicePrincipalObjectId]: "",
        [DRIVER_ENV.mailboxes]: JSON.stringify([
          { address: "nope" },
          { address: "a@b.com", sendAs: "yes" },
          { address: "A@b.com" },
        ]),
        [DRIVER_ENV.connection]: "manual",
        [DRIVER_ENV.organization]: "",
        [DRIVER_ENV.retryDeadlineSeconds]: "10",
      }),
    ).toEqual([
      `EXO_OAUTH_APP_ID: "not-a-guid" is not a GUID (expected 8-4-4-4-12 hex digits, e.g. 2ea4955d-830e-4aa7-8ab5-661a6b9aa84d)`,
      `EXO_OAUTH_SP_OBJECT_ID: missing: expected the enterprise application's (service principal's) object id, a GUID (8-4-4-4-12 hex digits, e.g. 2ea4955d-830e-4aa7-8ab5-661a6b9aa84d)`,
      `EXO_OAUTH_DISPLAY_NAME (from exo-oauth:application.displayName): missing: expected an application display name (1 to 120 characters)`,
      `EXO_OAUTH_MAILBOXES[0].address (from exo-oauth:mailboxes): "nope" is not an email address (e.g. helpdesk@contoso.com)`,
      `EXO_OAUTH_MAILBOXES[1].sendAs (from exo-oauth:mailboxes): "yes" is not true or false`,
      `EXO_OAUTH_MAILBOXES[2].address (from exo-oauth:mailboxes): "A@b.com" repeats EXO_OAUTH_MAILBOXES[1].address (from exo-oauth:mailboxes) (addresses are not case-sensitive); list each once`,
      `EXO_OAUTH_ORGANIZATION (from exo-oauth:organization): missing: expected the tenant's <name>.onmicrosoft.com domain, e.g. contoso.onmicrosoft.com`,
      `EXO_OAUTH_RETRY_DEADLINE_SECONDS (from exo-oauth:exchange.retryDeadlineSeconds): 10 is not a whole number of seconds from 30 to 3600`,
      expect.stringMatching(
        /^EXO_OAUTH_CONNECTION \(from exo-oauth:exchange.connection\): "manual" runs nothing: .*npm run exchange -- runbook/,
      ),
    ]);
  });

  it("refuses what the stack config refuses: an organization that is not the initial domain, a deadline out of bounds", () => {
    const env = encodeDriverEnvironment(settings);
    for (const [name, value, says] of [
      [DRIVER_ENV.organization, "contoso.com", /"contoso.com" is not a <name>.onmicrosoft.com domain/],
      [DRIVER_ENV.organization, "contoso.mail.onmicrosoft.com", /is not a <name>.onmicrosoft.com domain/],
      [DRIVER_ENV.retryDeadlineSeconds, "0", /0 is not a whole number of seconds from 30 to 3600/],
      [DRIVER_ENV.retryDeadlineSeconds, "3601", /3601 is not a whole number of seconds from 30 to 3600/],
      [DRIVER_ENV.retryDeadlineSeconds, "60.5", /60.5 is not a whole number/],
      [DRIVER_ENV.retryDeadlineSeconds, "soon", /"soon" is not a whole number/],
      [
        DRIVER_ENV.automationAppId,
        "my-app",
        /EXO_OAUTH_CONNECT_APP_ID \(from exo-oauth:exchange.appId\): "my-app" is not a GUID/,
      ],
    ] as const)
      expect(problemsOf({ ...env, [name]: value })).toEqual([expect.stringMatching(says)]);
  });

  it("refuses the client id given as the service principal object id", () => {
    const env = encodeDriverEnvironment(settings);
    env[DRIVER_ENV.servicePrincipalObjectId] = settings.desired.appId;
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/^EXO_OAUTH_SP_OBJECT_ID: equals the mail application's client id/),
    ]);
  });

  it("never echoes a secret in its errors", () => {
    const env = encodeDriverEnvironment(settings);
    env[DRIVER_ENV.automationAppId] = "bad";
    env[DRIVER_ENV.appId] = "bad";
    const text = problemsOf(env).join("\n");
    expect(text).not.toContain("MIIKcert-base64");
    expect(text).not.toContain("pfx-password-1");
  });

  it("accepts every address the stack config accepts, e.g. one with an apostrophe", () => {
    // The stack config accepts o'brien@contoso.com; refusing it here would fail `pulumi up` in
    // the Command, after the Entra application was already created.
    const env = encodeDriverEnvironment({
      ...settings,
      desired: { ...settings.desired, mailboxes: [{ address: "o'brien@contoso.com", sendAs: false }] },
    });
    expect(decodeDriverEnvironment(env).desired.mailboxes).toEqual([
      { address: "o'brien@contoso.com", sendAs: false },
    ]);
  });

  it("never echoes an access token pasted where the variable's name belongs", () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2lnbmF0dXJl";
    const env: Record<string, string> = {
      ...encodeDriverEnvironment({
        ...settings,
        connection: { ...settings.connection, connection: "accessToken", accessTokenEnv: "EXO_ACCESS_TOKEN" },
      }),
      [DRIVER_ENV.accessTokenEnv]: token,
    };
    const message = problemsOf(env).join("\n");
    expect(message).toMatch(
      /EXO_OAUTH_ACCESS_TOKEN_ENV .*looks like an access token, not the name of an environment variable/,
    );
    for (const part of [token, ...token.split(".")]) expect(message).not.toContain(part.slice(0, 20));
  });

  it("reads the desired state alone for the runbook, without connection settings", () => {
    const env = encodeDriverEnvironment(settings);
    delete env[DRIVER_ENV.connection];
    delete env[DRIVER_ENV.organization];
    expect(decodeDesiredState(env)).toEqual(settings.desired);
  });

  it("says a mailbox list that is not JSON is not JSON, once", () => {
    const env = { ...encodeDriverEnvironment(settings), [DRIVER_ENV.mailboxes]: "helpdesk@contoso.com" };
    expect(problemsOf(env)).toEqual([
      `EXO_OAUTH_MAILBOXES (from exo-oauth:mailboxes): must be a JSON array like ["a@contoso.com"] or [{"address":"a@contoso.com","sendAs":false}] (got "helpdesk@contoso.com")`,
    ]);
  });

  it("accepts the mailbox short form the stack config accepts: an address alone", () => {
    const env = {
      ...encodeDriverEnvironment(settings),
      [DRIVER_ENV.mailboxes]: '["HelpDesk@Contoso.com", {"address":"billing@contoso.com","sendAs":true}]',
    };
    expect(decodeDriverEnvironment(env).desired.mailboxes).toEqual([
      { address: "helpdesk@contoso.com", sendAs: false },
      { address: "billing@contoso.com", sendAs: true },
    ]);
  });

  it("refuses an empty mailbox list in the words the stack config uses", () => {
    const env = { ...encodeDriverEnvironment(settings), [DRIVER_ENV.mailboxes]: "[]" };
    expect(problemsOf(env)).toEqual([
      "EXO_OAUTH_MAILBOXES (from exo-oauth:mailboxes): empty: list at least one mailbox",
    ]);
  });

  it("takes the connection in any letter case, and suggests the closest for a misspelt one", () => {
    const env = encodeDriverEnvironment(settings);
    expect(
      decodeDriverEnvironment({
        ...env,
        [DRIVER_ENV.connection]: settings.connection.connection.toUpperCase(),
      }).connection.connection,
    ).toBe(settings.connection.connection);
    expect(problemsOf({ ...env, [DRIVER_ENV.connection]: "managedIdentiy" }).join("\n")).toContain(
      "(did you mean managedIdentity?)",
    );
  });
});
