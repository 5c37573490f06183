// Where verify's send-as checks and blocked protocols come from: the stack's outputs.
import { describe, expect, it } from "vitest";
import { resolvePlan } from "../../../scripts/operator/verify/inputs";
import { parseOptions } from "../../../scripts/operator/verify/options";
import { createClientCertificate } from "../../../scripts/offline-tenant/tls";

const CERT = createClientCertificate();

const TENANT = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
const CLIENT = "22222222-2222-4222-8222-222222222222";
const outputs = (extra: Record<string, unknown> = {}) => ({
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: "s3cret-value",
  protocols: ["imap", "smtp"],
  mailboxes: [
    { address: "helpdesk@contoso.com", protocols: ["imap", "smtp"], sendAs: false },
    { address: "Billing@Contoso.com", protocols: ["imap"], sendAs: true },
  ],
  ...extra,
});
const plan = (argv: string[], out: Record<string, unknown>) =>
  resolvePlan(parseOptions(argv), {
    env: {},
    readStackOutputs: async () => ({ ok: true, outputs: out }),
    readFile: () => "",
  });

describe("verify's plan from the stack's outputs", () => {
  it("checks SendAs on every sendAs: true mailbox of the stack", async () => {
    expect((await plan([], outputs())).sendAs).toEqual(["billing@contoso.com"]);
  });

  it("takes --send-as over the stack's list", async () => {
    expect((await plan(["--send-as", "helpdesk@contoso.com"], outputs())).sendAs).toEqual([
      "helpdesk@contoso.com",
    ]);
  });

  it("reads the record's optional blocked list, keeping only entries of the documented shape", async () => {
    const blocked = {
      mailbox: "helpdesk@contoso.com",
      protocol: "POP",
      switch: "PopEnabled",
    };
    const p = await plan(
      [],
      outputs({
        exchangeRecord: { schema: "exo-oauth/exchange-record@1", blocked: [blocked, { mailbox: 1 }] },
      }),
    );
    expect(p.blocked).toEqual([blocked]);
    expect((await plan([], outputs())).blocked).toEqual([]);
  });
});

describe("what verify warns about although nothing failed", () => {
  const withCert = (mode: number) =>
    resolvePlan(parseOptions(["--certificate", "/keys/app.pem"]), {
      env: {},
      readStackOutputs: async () => ({ ok: true, outputs: outputs() }),
      readFile: () => CERT.pem,
      fileMode: () => 0o100000 | mode,
    });

  it("warns, as ssh does, on a private key file its group or others can read", async () => {
    expect((await withCert(0o644)).warnings).toEqual([
      "--certificate /keys/app.pem holds a private key and is readable by others (mode 0644): `chmod 600 /keys/app.pem`",
    ]);
    expect((await withCert(0o640)).warnings[0]).toMatch(/readable by its group \(mode 0640\)/);
    expect((await withCert(0o600)).warnings).toEqual([]);
  });

  it("says when the token travels without TLS, and why it was allowed", async () => {
    const p = await plan(
      ["--imap-host", "127.0.0.1", "--imap-port", "1143", "--imap-tls", "none"],
      outputs(),
    );
    expect(p.warnings).toEqual([
      "IMAP to 127.0.0.1:1143 without TLS: the token travelled unencrypted (a loopback host)",
    ]);
    const allowed = await plan(
      ["--imap-host", "mail.example.com", "--imap-tls", "none", "--allow-plaintext"],
      outputs(),
    );
    expect(allowed.warnings).toEqual([
      "IMAP to mail.example.com:993 without TLS: the token travelled unencrypted (--allow-plaintext)",
    ]);
  });
});
