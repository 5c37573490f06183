// npm run consumer-config on the fake pulumi CLI: each format read back (the INI with the `ini`
// package, as email-oauth2-proxy's configparser would), the secret only when asked for and then
// only to stdout on --out - or to a file created 0600; and as a process.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseIni } from "ini";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runPulumi } from "../../../scripts/cli/pulumi";
import { runConsumerConfig } from "../../../scripts/operator/consumer-config/run";
import { runTool } from "../../support/cli-process";
import { fakeProject, type FakeProject } from "../../support/fake-stack";

vi.setConfig({ testTimeout: 60_000 });

const SECRET = "Qx8~abcDEF0123456789ghijKLMNopqrsTUVwx";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "4e75f337-eace-4f8e-9e62-7c45b2a73c23";
let project: FakeProject;

beforeAll(() => {
  project = fakeProject();
  project.deploy("contoso", {
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    clientSecretKeyId: "0b3f4b3e-9f1c-4c65-9a1e-2f1d7e0c5a11",
    clientSecretExpiresAt: "2027-03-30T00:00:00Z",
    nextRotationAt: "2026-12-28T00:00:00Z",
    tokenEndpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    scope: "https://outlook.office365.com/.default",
    protocols: ["imap", "smtp"],
    mailboxes: [
      { address: "helpdesk@contoso.com", protocols: ["imap", "smtp"], sendAs: true },
      { address: "billing@contoso.com", protocols: ["smtp"], sendAs: false },
    ],
  });
  project.deploy("old", { tenantId: TENANT, clientId: CLIENT });
});
afterAll(() => project.cleanup());

async function config(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runConsumerConfig(
    argv,
    { env: project.env(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    { runPulumi },
  );
  return { code, stdout, stderr };
}

/** A section of `ini`'s parse: it nests a name at its dots. */
const section = (doc: Record<string, unknown>, name: string) =>
  name.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc) as
    Record<string, string> | undefined;

describe("npm run consumer-config, on the fake pulumi CLI", () => {
  it("email-oauth2-proxy: valid INI for its client-credentials mode, one account per mailbox", async () => {
    const r = await config(["--format", "email-oauth2-proxy", "--stack", "contoso"]);
    expect(r.code).toBe(0);
    const ini = parseIni(r.stdout);
    expect(section(ini, "IMAP-1993")).toEqual({
      server_address: "outlook.office365.com",
      server_port: "993",
    });
    expect(section(ini, "SMTP-1587")).toEqual({
      server_address: "smtp.office365.com",
      server_port: "587",
      starttls: "True",
    });
    expect(section(ini, "POP-1995")).toBeUndefined();
    for (const m of ["helpdesk@contoso.com", "billing@contoso.com"])
      expect(section(ini, m)).toEqual({
        token_url: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
        oauth2_scope: "https://outlook.office365.com/.default",
        oauth2_flow: "client_credentials",
        client_id: CLIENT,
      });
    expect(r.stdout).toContain("; client_secret: not written (npm run consumer-config -- --include-secret");
    expect(r.stdout).not.toContain(SECRET);
  });

  it("email-oauth2-proxy with --include-secret --out -: client_secret in each account", async () => {
    const r = await config([
      "--format",
      "email-oauth2-proxy",
      "--stack",
      "contoso",
      "--include-secret",
      "--out",
      "-",
    ]);
    expect(r.code).toBe(0);
    expect(section(parseIni(r.stdout), "billing@contoso.com")?.client_secret).toBe(SECRET);
  });

  it("env: sh-compatible lines with the servers of the granted protocols and each protocol's mailboxes", async () => {
    const r = await config(["--format", "env", "--stack", "contoso"]);
    expect(r.stdout.split("\n")).toEqual([
      `EXO_OAUTH_TENANT_ID='${TENANT}'`,
      `EXO_OAUTH_CLIENT_ID='${CLIENT}'`,
      `EXO_OAUTH_TOKEN_ENDPOINT='https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token'`,
      "EXO_OAUTH_SCOPE='https://outlook.office365.com/.default'",
      "EXO_OAUTH_IMAP_HOST='outlook.office365.com'",
      "EXO_OAUTH_IMAP_PORT='993'",
      "EXO_OAUTH_IMAP_TLS='implicit'",
      "EXO_OAUTH_SMTP_HOST='smtp.office365.com'",
      "EXO_OAUTH_SMTP_PORT='587'",
      "EXO_OAUTH_SMTP_TLS='starttls'",
      "EXO_OAUTH_MAILBOXES='helpdesk@contoso.com,billing@contoso.com'",
      "EXO_OAUTH_IMAP_MAILBOXES='helpdesk@contoso.com'",
      "EXO_OAUTH_SMTP_MAILBOXES='helpdesk@contoso.com,billing@contoso.com'",
      "EXO_OAUTH_CLIENT_SECRET_EXPIRES_AT='2027-03-30T00:00:00Z'",
      "EXO_OAUTH_NEXT_ROTATION_AT='2026-12-28T00:00:00Z'",
      "",
    ]);
  });

  it("msal-dotnet: appsettings.json with MSAL's AzureAd names and the mail servers", async () => {
    const r = await config(["--format", "msal-dotnet", "--stack", "contoso"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.AzureAd).toEqual({
      Instance: "https://login.microsoftonline.com/",
      TenantId: TENANT,
      ClientId: CLIENT,
    });
    expect(doc.Mail.Scopes).toEqual(["https://outlook.office365.com/.default"]);
    expect(doc.Mail.Imap).toEqual({ Host: "outlook.office365.com", Port: 993, Tls: "SslOnConnect" });
    expect(doc.Mail.Smtp).toEqual({ Host: "smtp.office365.com", Port: 587, Tls: "StartTls" });
    expect(doc.Mail.Mailboxes[1]).toEqual({ Address: "billing@contoso.com", Protocols: ["smtp"] });
  });

  it("json: the settings, with the secret only when asked for", async () => {
    const plain = JSON.parse((await config(["--format", "json", "--stack", "contoso"])).stdout);
    expect(plain).toMatchObject({ tenantId: TENANT, clientId: CLIENT, servers: { imap: { port: 993 } } });
    expect(plain).not.toHaveProperty("clientSecret");
    const withSecret = JSON.parse(
      (await config(["--format", "JSON", "--stack", "contoso", "--include-secret", "--out", "-"])).stdout,
    );
    expect(withSecret.clientSecret).toBe(SECRET);
  });

  it("writes the secret to a file created with mode 0600, replacing one others could read", async () => {
    const file = join(project.home, "proxy.config");
    writeFileSync(file, "old\n", { mode: 0o644 });
    const r = await config([
      "--format",
      "email-oauth2-proxy",
      "--stack",
      "contoso",
      "--include-secret",
      "--out",
      file,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("mode 0600, holds the client secret");
    expect(r.stderr).not.toContain(SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain(`client_secret = ${SECRET}`);
  });

  it("refuses --include-secret without --out (exit 64), reading nothing", async () => {
    const r = await config(["--format", "env", "--include-secret"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("--include-secret puts the client secret in the output: give --out <file>");
    expect(r.stdout).toBe("");
  });

  it("refuses a misspelt format with the closest one (exit 64)", async () => {
    const r = await config(["--format", "email-oauth-proxy"]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("(did you mean email-oauth2-proxy?)");
  });

  it("names the outputs a stack lacks (exit 78)", async () => {
    const r = await config(["--format", "env", "--stack", "old"]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(
      "tokenEndpoint, scope, protocols, mailboxes, clientSecretExpiresAt, nextRotationAt missing",
    );
  });
});

describe("npm run consumer-config as a process", () => {
  it("prints the env format without ever reading the secret", async () => {
    const r = await runTool("consumer-config", ["--format", "env", "--stack", "contoso"], {
      env: project.env(),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`EXO_OAUTH_CLIENT_ID='${CLIENT}'`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
