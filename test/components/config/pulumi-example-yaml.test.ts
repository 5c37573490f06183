import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseStackConfig, stackConfigSchema, type StackConfig } from "../../../components/config";

const TEXT = readFileSync(join(__dirname, "../../../Pulumi.example.yaml"), "utf8");
const PREFIX = "exo-oauth:";

/** A `secure:` value in a stack file is ciphertext the CLI decrypts; here it becomes a stand-in. */
const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;

function stackValues(config: Record<string, unknown>) {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config))
    if (key.startsWith(PREFIX)) values[key.slice(PREFIX.length)] = value;
  return values;
}

/** The placeholders a user replaces, and what this test puts in their place. */
const FILLED: Record<string, string> = {
  "<tenant-id>": "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
  "<tenant>": "contoso",
  "<owner-object-id>": "6c0f3b7e-5a41-4d2e-9f8a-1b2c3d4e5f60",
  "<your-domain>": "contoso.com",
  "<automation-app-id>": "8d1e5f0a-7b6c-4e3d-a2f1-0c9b8a7d6e5f",
};
const fill = (text: string) => text.replace(/<[a-z-]+>/g, (p) => FILLED[p] ?? p);

describe("Pulumi.example.yaml", () => {
  const doc = load(fill(TEXT)) as { config: Record<string, unknown> };
  const values = stackValues(doc.config);
  const raw = stackValues((load(TEXT) as { config: Record<string, unknown> }).config);

  it("cannot be deployed as it is: each placeholder is refused by name, and nothing else is said of it", () => {
    const result = parseStackConfig({ stack: "example", values: raw, secretKeys: new Set() });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => i.path)).toEqual([
      "exo-oauth:tenantId",
      "exo-oauth:organization",
      "exo-oauth:application.owners[0]",
      "exo-oauth:mailboxes[0]",
      "exo-oauth:mailboxes[1].address",
    ]);
    for (const i of issues)
      expect(i.message).toMatch(/still holds the placeholder <[a-z-]+> from Pulumi\.example\.yaml/);
  });

  it("is a complete example: every exo-oauth key is set", () => {
    expect(Object.keys(values).sort()).toEqual(Object.keys(stackConfigSchema.shape).sort());
  });

  it("holds no secure values in the active config", () => {
    expect(JSON.stringify(doc.config)).not.toContain('"secure"');
  });

  it("signs the azuread provider in to the same tenant as exo-oauth:tenantId", () => {
    expect(doc.config["azuread:tenantId"]).toBe(values.tenantId);
  });

  it("is a valid stack config, normalised as documented", () => {
    const result = parseStackConfig({ stack: "dev", values, secretKeys: new Set() });
    const expected: StackConfig = {
      tenantId: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
      organization: "contoso.onmicrosoft.com",
      application: {
        displayName: "Mail OAuth - helpdesk",
        owners: ["6c0f3b7e-5a41-4d2e-9f8a-1b2c3d4e5f60"],
        notes:
          "Daemon mail access for the helpdesk app. Managed by Pulumi (exo-oauth); do not edit in the portal.",
      },
      protocols: ["imap", "pop", "smtp"],
      mailboxes: [
        { address: "helpdesk@contoso.com", protocols: ["imap", "pop", "smtp"], sendAs: false },
        { address: "billing@contoso.com", protocols: ["imap", "smtp"], sendAs: true },
      ],
      secret: { rotationDays: 90, graceDays: 14 },
      exchange: { connection: "managedIdentity", pwsh: "pwsh", retryDeadlineSeconds: 600 },
    };
    expect(result).toEqual({ ok: true, config: expected });
  });

  it("documents a certificate variant that is valid once its secure values are decrypted", () => {
    const block = /# --- certificate variant ---\n([\s\S]*?)\n\s*# --- end certificate variant ---/.exec(
      fill(TEXT),
    );
    expect(block).not.toBeNull();
    const yaml = (block?.[1] ?? "").replace(/^ {2}# {2}/gm, "");
    const variant = stackValues(load(yaml) as Record<string, unknown>);
    const exchange = variant.exchange as Record<string, unknown>;
    expect(isSecure(exchange.certificate) && isSecure(exchange.certificatePassword)).toBe(true);
    const pfx = Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]).toString("base64");
    const decrypted = { ...exchange, certificate: pfx, certificatePassword: "stand-in" };
    const result = parseStackConfig({
      stack: "dev",
      values: { ...values, exchange: decrypted },
      secretKeys: new Set(["exchange"]),
    });
    expect(result.ok && result.config.exchange).toEqual({
      connection: "certificate",
      automationAppId: "8d1e5f0a-7b6c-4e3d-a2f1-0c9b8a7d6e5f",
      certificate: pfx,
      certificatePassword: "stand-in",
      pwsh: "pwsh",
      retryDeadlineSeconds: 600,
    });
  });
});
