import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseStackConfig, StackConfigError } from "../../../components/config";
import { CERTIFICATE, TENANT } from "./corpus";

// One config broken in many places at once, across every key: all of it comes back in one go.
const BROKEN = {
  tenantId: "abc",
  organization: "contoso.com",
  application: { displayName: "", owners: ["not-a-guid"] },
  protocols: ["imap", "smtp", "smtp"],
  mailboxes: [
    "helpdesk@contoso.com",
    "not-an-address",
    { address: "HELPDESK@contoso.com", protocols: ["pop"] },
    { address: "billing@contoso.com", sendAs: "maybe", extra: 1 },
  ],
  secret: { rotationDays: 365, graceDays: 30 },
  exchange: { connection: "certificate", appId: TENANT, certificate: CERTIFICATE, pwsh: "" },
  mailbox: "typo@contoso.com",
};

const EXPECTED_PATHS = [
  "exo-oauth:tenantId",
  "exo-oauth:organization",
  "exo-oauth:application.displayName",
  "exo-oauth:application.owners[0]",
  "exo-oauth:protocols[2]",
  "exo-oauth:mailboxes[1]",
  "exo-oauth:mailboxes[2].address",
  "exo-oauth:mailboxes[2].protocols[0]",
  "exo-oauth:mailboxes[3].sendAs",
  "exo-oauth:mailboxes[3].extra",
  "exo-oauth:secret",
  "exo-oauth:exchange.pwsh",
  "exo-oauth:exchange.certificate",
  "exo-oauth:mailbox",
];

describe("a config with many problems", () => {
  const result = parseStackConfig({ stack: "dev", values: BROKEN, secretKeys: new Set() });
  const issues = result.ok ? [] : result.issues;

  it("reports every problem at once, in docs/configuration.md's key order", () => {
    expect(result.ok).toBe(false);
    expect(issues.map((i) => i.path)).toEqual(EXPECTED_PATHS);
  });

  it("still runs the rules across fields when the fields around them are broken", () => {
    const byPath = new Map(issues.map((i) => [i.path, i.message]));
    expect(byPath.get("exo-oauth:mailboxes[2].address")).toContain("repeats exo-oauth:mailboxes[0]");
    expect(byPath.get("exo-oauth:mailboxes[2].protocols[0]")).toContain(
      "is not one of the application's protocols",
    );
    expect(byPath.get("exo-oauth:secret")).toContain("2 × 365 + 30 = 760 days");
    expect(byPath.get("exo-oauth:exchange.certificate")).toContain("is in plain text");
  });

  it("becomes a StackConfigError whose message lists one problem per line under a count", () => {
    const error = new StackConfigError(issues);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(`Invalid stack config for exo-oauth (${EXPECTED_PATHS.length} problems):`);
    expect(lines.slice(1)).toEqual(issues.map((i) => `  ${i.path}: ${i.message}`));
    expect(error.issues).toBe(issues);
  });

  it("says 'problem' for a single one", () => {
    expect(formatConfigIssues([{ path: "exo-oauth:tenantId", message: "missing" }])).toBe(
      "Invalid stack config for exo-oauth (1 problem):\n  exo-oauth:tenantId: missing",
    );
  });
});
