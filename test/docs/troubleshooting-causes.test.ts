// README's troubleshooting table points to docs/troubleshooting.md for the rest: every cause verify
// can name (scripts/operator/verify/diagnosis.ts CauseId) and every Entra code it explains has a
// row there, found by the words verify prints.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AADSTS } from "../../components/microsoft";
import type { CauseId } from "../../scripts/operator/verify/diagnosis";

const ROOT = join(__dirname, "../..");
const table = readFileSync(join(ROOT, "docs/troubleshooting.md"), "utf8");
const diagnosis = readFileSync(join(ROOT, "scripts/operator/verify/diagnosis.ts"), "utf8");

/** What verify prints for each cause, as the table must name it. */
const WORDS: Record<CauseId, string> = {
  "authority-unreachable": "cannot reach",
  "authority-tls": "TLS with",
  "authority-invalid": "is not an Entra ID authority",
  "tenant-not-found": `AADSTS${AADSTS.TENANT_NOT_FOUND}`,
  "application-not-found": `AADSTS${AADSTS.APPLICATION_NOT_FOUND}`,
  "secret-wrong": `AADSTS${AADSTS.INVALID_CLIENT_SECRET}`,
  "secret-expired": `AADSTS${AADSTS.CLIENT_SECRET_EXPIRED}`,
  "secret-gone": "secret",
  "credential-missing": `AADSTS${AADSTS.MISSING_CLIENT_CREDENTIAL}`,
  "credential-unreadable": "could not be loaded",
  "service-principal-missing": `AADSTS${AADSTS.MISSING_SERVICE_PRINCIPAL}`,
  "scope-invalid": `AADSTS${AADSTS.INVALID_SCOPE}`,
  "resource-not-found": `AADSTS${AADSTS.RESOURCE_NOT_FOUND}`,
  "certificate-not-registered": "certificate",
  "client-assertion-invalid": "assertion",
  "token-error": "No token",
  "wrong-audience": "The token is for",
  "wrong-tenant": "The token is from tenant",
  "token-expired": "expired",
  "role-missing": "role",
  "exchange-refused-token": "Exchange refused the token for this mailbox",
  "mailbox-not-opened": "did not open the mailbox",
  "smtp-auth-disabled": "SMTP AUTH is disabled for the",
  "send-as-denied": "SendAsDenied",
  "submission-refused": "refused to submit",
  "protocol-blocked": "is switched off",
  "plaintext-refused": "plaintext",
  "host-unreachable": "Cannot connect",
  "tls-failed": "TLS with",
  timeout: "did not finish in time",
  "not-a-mail-server": "did not greet",
  "login-error": "login failed",
};

describe("docs/troubleshooting.md", () => {
  it("names every cause verify can report, in verify's words", () => {
    const ids = [...diagnosis.matchAll(/^\s+\| "([a-z-]+)";?$/gm)].map((m) => m[1]).sort();
    expect(Object.keys(WORDS).sort()).toEqual(ids);
    const missing = Object.entries(WORDS).filter(
      ([, words]) => !table.toLowerCase().includes(words.toLowerCase()),
    );
    expect(missing).toEqual([]);
  });

  it("has a row for every Entra code verify explains", () => {
    const explained = Object.values(AADSTS).filter((code) =>
      diagnosis.includes(
        `AADSTS.${Object.keys(AADSTS).find((k) => AADSTS[k as keyof typeof AADSTS] === code)}`,
      ),
    );
    expect(explained.length).toBeGreaterThan(8);
    expect(explained.filter((code) => !table.includes(`AADSTS${code}`))).toEqual([]);
  });
});
