import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseStackConfig } from "../../../components/config";

// README "Configure a tenant" shows every key and an error; both must stay true.
const README = readFileSync(join(__dirname, "../../../README.md"), "utf8");
const SECTION = /<!-- section:configure -->([\s\S]*?)<!-- \/section:configure -->/.exec(README)?.[1] ?? "";
const block = (lang: string, index = 0) =>
  [...SECTION.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))][index]?.[1] ?? "";

describe("README, Configure a tenant", () => {
  it("shows a contract example that is a valid config", () => {
    const { config } = load(block("yaml")) as { config: Record<string, unknown> };
    const values = Object.fromEntries(
      Object.entries(config)
        .filter(([k]) => k.startsWith("exo-oauth:"))
        .map(([k, v]) => [k.slice("exo-oauth:".length), v]),
    );
    const result = parseStackConfig({ stack: "dev", values, secretKeys: new Set() });
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it("shows the error output the parser really gives for its example", () => {
    const result = parseStackConfig({
      stack: "tenant-a",
      secretKeys: new Set(),
      values: {
        tenantId: "contoso.onmicrosoft.com",
        organization: "contoso.onmicrosoft.com",
        protocols: ["imap", "smtp"],
        mailboxes: ["helpdesk@contoso.com", { address: "HelpDesk@contoso.com", protocols: ["pop"] }],
        secret: { rotationDays: 365 },
        exchange: {
          connection: "certificate",
          appId: "8d1e5f0a-7b6c-4e3d-a2f1-0c9b8a7d6e5f",
          certificate: Buffer.from([0x30, 0x82, 1, 2, 3, 4]).toString("base64"),
        },
      },
    });
    expect(result.ok).toBe(false);
    expect(block("text").trimEnd()).toBe(result.ok ? "" : formatConfigIssues(result.issues));
  });
});
