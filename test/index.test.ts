// The whole program (index.ts) under the Graph-rules mock: resources, wiring, counts and stack outputs
// for several configs; and the failures that must stop it before anything is declared.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { EXCHANGE_ONLINE_APP_ID, OUTLOOK_SCOPE } from "../components/microsoft";
import { STACK_OUTPUT_NAMES, STACK_OUTPUTS } from "../components/outputs";
import { GraphRulesMock, TYPES } from "../scripts/offline-tenant/graph/mock";
import { sha256Hex } from "../scripts/offline-tenant/state";
import { baseConfig, runProgram, tenant, TENANT_ID, type ProgramRun } from "./support/program-harness";

/** The outputs every run exports (the Exchange step's depend on its mode: manual here). */
const OUTPUT_NAMES = STACK_OUTPUT_NAMES.filter((n) => STACK_OUTPUTS[n].exported !== "not manual");
const SECRET_OUTPUTS = STACK_OUTPUT_NAMES.filter((n) => STACK_OUTPUTS[n].secret);
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY = 86_400_000;

const scenarios: {
  what: string;
  config: Record<string, unknown>;
  roles: string[];
  mailboxes: { address: string; protocols: string[]; sendAs: boolean }[];
}[] = [
  {
    what: "one protocol (smtp)",
    config: baseConfig({ protocols: ["smtp"], mailboxes: ["helpdesk@contoso.com"] }),
    roles: ["SMTP.SendAsApp"],
    mailboxes: [{ address: "helpdesk@contoso.com", protocols: ["smtp"], sendAs: false }],
  },
  {
    what: "all three protocols by default, per-mailbox subsets",
    config: baseConfig({
      protocols: undefined,
      mailboxes: [
        "Helpdesk@Contoso.com",
        { address: "billing@contoso.com", protocols: ["imap"], sendAs: true },
      ],
    }),
    roles: ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"],
    mailboxes: [
      { address: "helpdesk@contoso.com", protocols: ["imap", "pop", "smtp"], sendAs: false },
      { address: "billing@contoso.com", protocols: ["imap"], sendAs: true },
    ],
  },
  {
    what: "imap and pop, one mailbox with pop only",
    config: baseConfig({
      protocols: ["imap", "pop"],
      mailboxes: ["helpdesk@contoso.com", { address: "scanner@contoso.com", protocols: ["pop"] }],
      secret: { rotationDays: 30, graceDays: 7 },
    }),
    roles: ["IMAP.AccessAsApp", "POP.AccessAsApp"],
    mailboxes: [
      { address: "helpdesk@contoso.com", protocols: ["imap", "pop"], sendAs: false },
      { address: "scanner@contoso.com", protocols: ["pop"], sendAs: false },
    ],
  },
];

function withoutUndefined(config: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}

describe.each(scenarios)("the program for $what", ({ config, roles, mailboxes }) => {
  let run: ProgramRun;
  const protocols = roles.map((r) => r.split(".")[0].toLowerCase()); // IMAP.AccessAsApp → imap

  beforeAll(async () => {
    run = await runProgram({ config: withoutUndefined(config), now: "2026-11-25T06:00:00Z" });
  });

  it("declares the application, its service principal, one consent per role and two password slots", () => {
    const { mock } = run;
    const entra = mock.resources.filter((r) => r.custom && r.type.startsWith("azuread:"));
    expect(entra.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${TYPES.application} mail-application`,
        `${TYPES.servicePrincipal} mail-service-principal`,
        ...protocols.map((p) => `${TYPES.appRoleAssignment} mail-consent-${p}`),
        `${TYPES.applicationPassword} client-secret-a`,
        `${TYPES.applicationPassword} client-secret-b`,
      ].sort(),
    );
    const components = mock.resources.filter((r) => !r.custom).map((r) => `${r.type} ${r.name}`);
    expect(components).toContain("exo-oauth:index:MailApplication mail");
    expect(components).toContain("exo-oauth:index:RotatingClientSecret client-secret");
    // The Exchange Online service principal is read, never declared.
    expect(mock.ofType(TYPES.servicePrincipal).map((r) => r.inputs.clientId)).not.toContain(
      EXCHANGE_ONLINE_APP_ID,
    );
  });

  it("requests and consents exactly the chosen protocols' roles, on the Exchange SP, for our SP", () => {
    const { state } = run.mock;
    const exchange = state.entra.servicePrincipals.find((s) => s.clientId === EXCHANGE_ONLINE_APP_ID)!;
    const roleIds = roles.map((v) => exchange.appRoles!.find((r) => r.value === v)!.id);
    const [app] = state.entra.applications;
    expect(state.entra.applications).toHaveLength(1);
    expect(app.requiredRoles).toEqual({ [EXCHANGE_ONLINE_APP_ID]: roleIds });
    const sp = state.entra.servicePrincipals.find((s) => s.clientId === app.clientId)!;
    expect(
      state.entra.appRoleAssignments.map((a) => [a.principalObjectId, a.resourceObjectId, a.appRoleId]),
    ).toEqual(roleIds.map((id) => [sp.objectId, exchange.objectId, id]));
  });

  it("gives both password slots the application's /applications/<id>", () => {
    const app = run.mock.ofType(TYPES.application)[0];
    const passwords = run.mock.ofType(TYPES.applicationPassword);
    expect(passwords.map((p) => p.inputs.applicationId)).toEqual([app.id, app.id]);
    expect(run.mock.state.entra.passwords).toHaveLength(2);
  });

  it("exports exactly the outputs components/outputs.ts lists, secret where it says so", () => {
    const { outputs, secretOutputs, mock } = run;
    const { state } = mock;
    const [app] = state.entra.applications;
    expect(Object.keys(outputs)).toEqual(OUTPUT_NAMES);
    for (const name of OUTPUT_NAMES) expect(outputs[name], name).not.toBeUndefined();
    expect(secretOutputs).toEqual(SECRET_OUTPUTS);
    expect(SECRET_OUTPUTS).toEqual(["clientSecret"]);
    expect(outputs).toMatchObject({
      tenantId: TENANT_ID,
      clientId: app.clientId,
      servicePrincipalObjectId: state.entra.servicePrincipals.find((s) => s.clientId === app.clientId)!
        .objectId,
      tokenEndpoint: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
      scope: OUTLOOK_SCOPE,
      protocols,
      mailboxes,
      rotation: {
        ...((config.secret as object) ?? { rotationDays: 90, graceDays: 14 }),
        anchor: "2024-01-01T00:00:00Z",
      },
      exchangeConnection: "manual",
      // What `npm run exchange -- <command> --stack` needs besides the ids.
      displayName: app.displayName,
      organization: "contoso.onmicrosoft.com",
    });
    // The published secret is one Graph holds (by hash), under the exported key id.
    const secret = outputs.clientSecret;
    const published = state.entra.passwords.find((p) => p.keyId === outputs.clientSecretKeyId)!;
    expect(published.secretSha256).toBe(sha256Hex(secret));
    expect(outputs.clientSecretExpiresAt).toBe(published.endDate);
    expect(outputs.clientSecretExpiresAt).toMatch(RFC3339_SECONDS);
    expect(outputs.nextRotationAt).toMatch(RFC3339_SECONDS);
    // Nothing but clientSecret carries the secret text.
    const { clientSecret: _s, ...rest } = outputs;
    expect(JSON.stringify(rest)).not.toContain(secret);
  });

  it("publishes a secret that outlives the next rotation by the grace period", () => {
    const { rotationDays, graceDays } = (config.secret as { rotationDays: number; graceDays: number }) ?? {
      rotationDays: 90,
      graceDays: 14,
    };
    const now = Date.parse("2026-11-25T06:00:00Z");
    const next = Date.parse(run.outputs.nextRotationAt);
    const expires = Date.parse(run.outputs.clientSecretExpiresAt);
    expect(next).toBeGreaterThan(now);
    expect(next - now).toBeLessThanOrEqual(rotationDays * DAY);
    expect(expires - now).toBeGreaterThanOrEqual((rotationDays + graceDays) * DAY);
  });
});

describe("the program stops before declaring anything", () => {
  it("when the stack config is invalid, listing the problems", async () => {
    const mock = new GraphRulesMock({ state: tenant() });
    await expect(
      runProgram({ mock, config: baseConfig({ tenantId: "contoso", protocols: ["imap", "ews"] }) }),
    ).rejects.toThrow(/Invalid stack config for exo-oauth \(\d+ problems?\):[\s\S]*tenantId[\s\S]*protocols/);
    expect(mock.resources).toEqual([]);
    expect(mock.invokes).toEqual([]);
  });

  it("when EXO_OAUTH_NOW is not an ISO time", async () => {
    const mock = new GraphRulesMock({ state: tenant() });
    const err = await runProgram({ mock, config: baseConfig(), now: "next tuesday" }).catch(
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain('EXO_OAUTH_NOW "next tuesday" is not an ISO 8601 time');
    expect(mock.resources).toEqual([]);
  });

  it("when the tenant's Exchange Online SP does not publish a chosen protocol's role", async () => {
    const mock = new GraphRulesMock({
      state: tenant({ exchangeRoles: ["IMAP.AccessAsApp", "Exchange.ManageAsApp"] }),
    });
    const err = await runProgram({ mock, config: baseConfig({ protocols: ["imap", "smtp"] }) }).catch(
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /service principal \(appId 00000002-0000-0ff1-ce00-000000000000, object ID [0-9a-f-]{36}\) has no app role "SMTP\.SendAsApp", needed for protocol "smtp"/,
    );
    expect(mock.resources).toEqual([]);
  });
});
