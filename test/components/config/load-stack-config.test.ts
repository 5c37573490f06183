import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, readStackConfig, StackConfigError } from "../../../components/config";
import { APP_ID, CERTIFICATE, PASSWORD, TENANT } from "./corpus";

// Pulumi hands config to the program as strings: objects and arrays as JSON text.
const BASE = {
  "exo-oauth:tenantId": TENANT,
  "exo-oauth:organization": "contoso.onmicrosoft.com",
  "exo-oauth:mailboxes": JSON.stringify([
    "Helpdesk@contoso.com",
    { address: "billing@contoso.com", protocols: ["imap"] },
  ]),
  "exo-oauth:secret": JSON.stringify({ rotationDays: 30 }),
  "exo-oauth:exchange": JSON.stringify({
    connection: "certificate",
    appId: APP_ID,
    certificate: CERTIFICATE,
    certificatePassword: PASSWORD,
  }),
  "azuread:tenantId": TENANT, // another namespace: not ours to read
};

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "exo-oauth",
    "tenant-a",
    false,
  );
});

describe("loadStackConfig under Pulumi mocks", () => {
  it("reads the exo-oauth keys, JSON values and secret keys the way Pulumi hands them over", () => {
    pulumi.runtime.setAllConfig(BASE, ["exo-oauth:exchange"]);
    const raw = readStackConfig();
    expect(raw.stack).toBe("tenant-a");
    expect([...raw.secretKeys]).toEqual(["exchange"]);
    expect(Object.keys(raw.values).sort()).toEqual([
      "exchange",
      "mailboxes",
      "organization",
      "secret",
      "tenantId",
    ]);
    expect(raw.values.secret).toEqual({ rotationDays: 30 });
  });

  it("returns the normalised config, defaults from the stack name", () => {
    pulumi.runtime.setAllConfig(BASE, ["exo-oauth:exchange"]);
    expect(loadStackConfig()).toEqual({
      tenantId: TENANT,
      organization: "contoso.onmicrosoft.com",
      application: { displayName: "exo-oauth-tenant-a", owners: [] },
      protocols: ["imap", "pop", "smtp"],
      mailboxes: [
        { address: "helpdesk@contoso.com", protocols: ["imap", "pop", "smtp"], sendAs: false },
        { address: "billing@contoso.com", protocols: ["imap"], sendAs: false },
      ],
      secret: { rotationDays: 30, graceDays: 14 },
      exchange: {
        connection: "certificate",
        automationAppId: APP_ID,
        certificate: CERTIFICATE,
        certificatePassword: PASSWORD,
        pwsh: "pwsh",
        retryDeadlineSeconds: 600,
      },
    });
  });

  it("throws a StackConfigError (a Pulumi RunError: no stack trace) listing every problem, secrets hidden", () => {
    pulumi.runtime.setAllConfig(
      {
        ...BASE,
        "exo-oauth:tenantId": "abc",
        "exo-oauth:mailboxes": "helpdesk@contoso.com",
        "exo-oauth:extra": "1",
      },
      [], // exchange not marked secret: its certificate and password are in plain text
    );
    let error: unknown;
    try {
      loadStackConfig();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    const { message, issues } = error as StackConfigError;
    expect(issues.map((i) => i.path)).toEqual([
      "exo-oauth:tenantId",
      "exo-oauth:mailboxes",
      "exo-oauth:exchange.certificate",
      "exo-oauth:exchange.certificatePassword",
      "exo-oauth:extra",
    ]);
    expect(message).toMatch(
      /^Invalid stack config for exo-oauth \(5 problems\):\n {2}exo-oauth:tenantId: "abc" is not a GUID/,
    );
    expect(message).not.toContain(CERTIFICATE);
    expect(message).not.toContain(PASSWORD);
  });

  it("keeps a value that only looks like JSON as the string it is", () => {
    pulumi.runtime.setAllConfig({ ...BASE, "exo-oauth:protocols": "[imap, pop" }, ["exo-oauth:exchange"]);
    expect(() => loadStackConfig()).toThrow(/exo-oauth:protocols: "\[imap, pop" is not a list of protocols/);
  });
});
