// ExchangeMailboxAccess under the Graph-rules mock, through the real program (index.ts): one
// Command, the right ids, secrets wrapped and never in a command string, no replacing triggers,
// and no Command at all in manual mode.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { decodeDriverEnvironment } from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { GraphRulesMock, TYPES } from "../../scripts/offline-tenant/graph/mock";
import { formatRecord, parseRecord } from "../../components/exchange-step/record";
import { baseConfig, STATED_LIFETIME, runProgram, tenant } from "../support/program-harness";
import {
  APPLY_COMMAND,
  ExchangeMailboxAccess,
  REMOVE_COMMAND,
  commandEnvironment,
  type CommandEnvironmentInputs,
  type ExchangeMailboxAccessArgs,
} from "../../components/exchangeMailboxAccess";

const COMMAND = "command:local:Command";
// Pulumi's wire form of a secret (sdk/nodejs/runtime/rpc.ts).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const isWrappedSecret = (v: unknown) =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] !== undefined;

// A PFX-shaped value (DER SEQUENCE first) and a password: the values the leak checks look for.
const CERTIFICATE = Buffer.concat([Buffer.from([0x30, 0x82, 0x0a, 0x10]), randomBytes(48)]).toString(
  "base64",
);
const PASSWORD = `pfx-${randomBytes(9).toString("hex")}`;
const CONNECT_APP_ID = "55555555-5555-4555-8555-555555555555";
/** The application a record the mocked Command prints speaks for (any GUID: the record refuses other values). */
const RECORDED_APP_ID = "66666666-6666-4666-8666-666666666666";

interface Captured {
  raw: Record<string, unknown>;
  name: string;
}

function mockWithCommand(captured: Captured[]) {
  return new GraphRulesMock({
    state: tenant({ mailboxes: ["helpdesk@contoso.com", "billing@contoso.com"] }),
    onResource: (args) => {
      if (args.type !== COMMAND) return undefined;
      captured.push({ raw: args.inputs as Record<string, unknown>, name: args.name });
      // What the driver would print: lets the test see the record output parsed.
      const stdout = formatRecord({ appId: RECORDED_APP_ID, servicePrincipal: null, mailboxes: [] });
      return { id: `${args.name}-id`, state: { ...args.inputs, stdout, stderr: "" } };
    },
  });
}

const certificateConfig = baseConfig({
  secret: STATED_LIFETIME,
  mailboxes: ["helpdesk@contoso.com", { address: "billing@contoso.com", protocols: ["imap"], sendAs: true }],
  exchange: {
    connection: "certificate",
    appId: CONNECT_APP_ID,
    certificate: CERTIFICATE,
    certificatePassword: PASSWORD,
  },
});

/** The program with `certificateConfig`; `captured` holds each Command's inputs as the engine got them. */
async function runCertificateProgram() {
  const captured: Captured[] = [];
  const run = await runProgram({
    config: certificateConfig,
    secretKeys: ["exchange"],
    mock: mockWithCommand(captured),
  });
  return { run, captured };
}

describe("ExchangeMailboxAccess in the program", () => {
  it("declares exactly one Command whose environment carries the service principal's object id, not the application's", async () => {
    const { run } = await runCertificateProgram();
    const commands = run.mock.ofType(COMMAND);
    expect(commands).toHaveLength(1);
    expect(commands[0].name).toBe("exchange-command");
    const env = commands[0].inputs.environment as Record<string, string>;
    const sp = run.mock.ofType(TYPES.servicePrincipal)[0];
    const app = run.mock.ofType(TYPES.application)[0];
    expect(env[DRIVER_ENV.servicePrincipalObjectId]).toBe(sp.outputs.objectId);
    expect(env[DRIVER_ENV.servicePrincipalObjectId]).not.toBe(app.outputs.objectId);
    expect(env[DRIVER_ENV.appId]).toBe(app.outputs.clientId);
    // The mailbox list travels on the Command's stdin (no 128 KiB cap on one environment string);
    // with it, the environment is one the driver accepts as is.
    expect(env[DRIVER_ENV.mailboxes]).toBe("stdin");
    const stdin = commands[0].inputs.stdin as string;
    const settings = decodeDriverEnvironment({ ...env, [DRIVER_ENV.mailboxes]: stdin });
    // Each mailbox's protocols travel too: the driver reads the switches that can block them.
    expect(settings.desired.mailboxes).toEqual([
      { address: "helpdesk@contoso.com", sendAs: false, protocols: ["imap", "pop", "smtp"] },
      { address: "billing@contoso.com", sendAs: true, protocols: ["imap"] },
    ]);
    // The same settings shape the config normalised, with the organization.
    expect(settings.connection).toEqual({
      connection: "certificate",
      automationAppId: CONNECT_APP_ID,
      certificate: CERTIFICATE,
      certificatePassword: PASSWORD,
      organization: "contoso.onmicrosoft.com",
      pwsh: "pwsh",
      retryDeadlineSeconds: 600,
    });
  });

  it("runs the driver on create and update, removal on delete, from the project root, with no secret in any command string", async () => {
    const { run } = await runCertificateProgram();
    const inputs = run.mock.ofType(COMMAND)[0].inputs;
    expect(inputs.create).toBe(APPLY_COMMAND);
    expect(inputs.update).toBe(APPLY_COMMAND);
    expect(inputs.delete).toBe(REMOVE_COMMAND);
    // Relative to the provider's working directory, the project root: state does not pin a checkout path.
    expect(inputs.dir).toBe(".");
    expect(inputs.create).toBe("node ./scripts/exchange-driver/run.cjs apply");
    expect(
      existsSync(resolve(__dirname, "../..", String(inputs.dir), "scripts/exchange-driver/run.cjs")),
    ).toBe(true);
    for (const key of ["create", "update", "delete", "dir", "interpreter"]) {
      const text = JSON.stringify(inputs[key] ?? "");
      expect(text).not.toContain(CERTIFICATE);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it("hands the certificate and its password over only as Pulumi secrets", async () => {
    const { captured } = await runCertificateProgram();
    // The SDK marks the whole `environment` map secret when one of its values is (the engine
    // then keeps the map encrypted in state): either form hides the values.
    const raw = captured[0].raw.environment as Record<string, unknown>;
    const wrappedWhole = isWrappedSecret(raw);
    const env = (wrappedWhole ? (raw as { value: Record<string, unknown> }).value : raw) as Record<
      string,
      unknown
    >;
    if (!wrappedWhole) {
      expect(isWrappedSecret(env[DRIVER_ENV.certificate])).toBe(true);
      expect(isWrappedSecret(env[DRIVER_ENV.certificatePassword])).toBe(true);
    }
    // No secret value anywhere outside the environment.
    const { environment: _e, ...rest } = captured[0].raw;
    expect(JSON.stringify(rest)).not.toContain(CERTIFICATE);
    expect(JSON.stringify(rest)).not.toContain(PASSWORD);
  });

  it("declares no triggers (a replace would run the new create, then the old delete) and streams stderr only", async () => {
    const { run } = await runCertificateProgram();
    const inputs = run.mock.ofType(COMMAND)[0].inputs;
    expect(inputs.triggers).toBeUndefined();
    expect(inputs.logging).toBe("stderr");
    expect(inputs.addPreviousOutputInEnv).toBe(true);
    const components = run.mock.resources.filter((r) => r.type === "exo-oauth:index:ExchangeMailboxAccess");
    expect(components).toHaveLength(1);
  });

  it("exports what the driver recorded as exchangeRecord", async () => {
    const { run } = await runCertificateProgram();
    expect(run.outputs.exchangeRecord).toEqual(
      parseRecord(formatRecord({ appId: RECORDED_APP_ID, servicePrincipal: null, mailboxes: [] })),
    );
    expect(run.outputs.exchangeRunbook).toBeUndefined();
  });

  it("in manual mode declares no Command and exports the runbook with the service principal's object id", async () => {
    const run = await runProgram({
      config: baseConfig({
        secret: STATED_LIFETIME,
        mailboxes: ["helpdesk@contoso.com", { address: "billing@contoso.com", sendAs: true }],
      }),
      mock: new GraphRulesMock({
        state: tenant({ mailboxes: ["helpdesk@contoso.com", "billing@contoso.com"] }),
      }),
    });
    expect(run.mock.ofType(COMMAND)).toHaveLength(0);
    const runbook = String(run.outputs.exchangeRunbook);
    const sp = run.mock.ofType(TYPES.servicePrincipal)[0];
    const app = run.mock.ofType(TYPES.application)[0];
    expect(runbook).toContain(`$objectId = '${sp.outputs.objectId}'`);
    expect(runbook).not.toContain(String(app.outputs.objectId));
    expect(runbook).toContain(`$appId = '${app.outputs.clientId}'`);
    expect(runbook).toContain("'billing@contoso.com'");
    expect(run.outputs.exchangeRecord).toBeUndefined();
  });
});

describe("ExchangeMailboxAccess's arguments", () => {
  /** Constructs the component under a fresh mock; returns the thrown error and what was registered. */
  async function construct(args: Partial<ExchangeMailboxAccessArgs>, withServicePrincipal = true) {
    const mock = new GraphRulesMock({ state: tenant() });
    await pulumi.runtime.setMocks(mock, "exo-oauth", "dev", false);
    const app = new azuread.Application("app", { displayName: "x" });
    const sp = withServicePrincipal
      ? new azuread.ServicePrincipal("sp", { clientId: app.clientId })
      : (app as unknown as azuread.ServicePrincipal);
    let error: unknown;
    try {
      new ExchangeMailboxAccess("exchange", {
        servicePrincipal: sp,
        organization: "contoso.onmicrosoft.com",
        mailboxes: [{ address: "a@contoso.com", protocols: ["imap"], sendAs: false }],
        exchange: { connection: "manual" },
        ...args,
      });
    } catch (e) {
      error = e;
    }
    await new Promise((r) => setTimeout(r, 100)); // let any registration reach the mock
    const registered = mock.resources.filter((r) => r.type === "exo-oauth:index:ExchangeMailboxAccess");
    return { error, registered };
  }

  it("refuses anything but a ServicePrincipal resource, so the app registration's object id cannot get in", async () => {
    const { error, registered } = await construct({}, false);
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(String((error as Error).message)).toMatch(
      /args.servicePrincipal: must be the application's azuread.ServicePrincipal/,
    );
    expect(registered).toEqual([]);
  });

  it("lists every user mistake at once as a RunError, before the component registers itself", async () => {
    const { error, registered } = await construct({
      organization: "contoso.com",
      mailboxes: [
        { address: "a@contoso.com", protocols: ["imap"], sendAs: false },
        { address: "A@contoso.com", protocols: ["imap"], sendAs: false },
      ],
      exchange: {
        connection: "certificate",
        automationAppId: "my-app",
        certificate: "not base64!",
        pwsh: "pwsh",
        retryDeadlineSeconds: 5,
      },
    });
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect((error as Error).message.split("\n")).toEqual([
      `ExchangeMailboxAccess "exchange":`,
      `  - args.organization: "contoso.com" is not a <name>.onmicrosoft.com domain (the tenant's initial domain, e.g. contoso.onmicrosoft.com)`,
      `  - args.exchange.retryDeadlineSeconds: 5 is not a whole number of seconds from 30 to 3600`,
      `  - args.exchange.automationAppId: "my-app" is not a GUID (expected 8-4-4-4-12 hex digits, e.g. 2ea4955d-830e-4aa7-8ab5-661a6b9aa84d)`,
      `  - args.exchange.certificate: is not valid base64: expected a base64-encoded PFX (e.g. the output of base64 -w0 exchange-app.pfx)`,
      `  - args.mailboxes[1].address: "A@contoso.com" repeats args.mailboxes[0].address (addresses are not case-sensitive); list each once`,
    ]);
    expect(registered).toEqual([]);
  });

  it("accepts valid arguments and registers the component", async () => {
    const { error, registered } = await construct({});
    expect(error).toBeUndefined();
    expect(registered).toHaveLength(1);
  });
});

describe("commandEnvironment", () => {
  /** The Command's inputs for one mailbox, with the given Exchange connection. */
  const withConnection = (exchange: CommandEnvironmentInputs["exchange"]): CommandEnvironmentInputs => ({
    clientId: "11111111-1111-4111-8111-111111111111",
    servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
    displayName: "Mail",
    organization: "contoso.onmicrosoft.com",
    mailboxes: [{ address: "a@contoso.com", protocols: ["imap"], sendAs: false }],
    exchange,
  });

  it("wraps exactly the secret values", async () => {
    const env = commandEnvironment(
      withConnection({
        connection: "certificate",
        automationAppId: CONNECT_APP_ID,
        certificate: CERTIFICATE,
        certificatePassword: PASSWORD,
        pwsh: "pwsh",
        retryDeadlineSeconds: 600,
      }),
    );
    const secret: string[] = [];
    for (const [k, v] of Object.entries(env))
      if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v as pulumi.Output<string>))) secret.push(k);
    expect(secret.sort()).toEqual([DRIVER_ENV.certificate, DRIVER_ENV.certificatePassword].sort());
  });

  it("passes the access token by the NAME of its variable, never its value", () => {
    const env = commandEnvironment(
      withConnection({
        connection: "accessToken",
        accessTokenEnv: "EXO_TOKEN",
        pwsh: "pwsh",
        retryDeadlineSeconds: 600,
      }),
    );
    expect(env[DRIVER_ENV.accessTokenEnv]).toBe("EXO_TOKEN");
    expect(env[DRIVER_ENV.certificate]).toBeUndefined();
  });
});
