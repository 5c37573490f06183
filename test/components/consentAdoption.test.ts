// Consent adoption, pure: which declared consents get the import option, and the hazards reported.
import { describe, expect, it } from "vitest";
import {
  assignmentResourceId,
  consentImports,
  declaredButNotListed,
  importCommand,
  listFailedWarning,
  mayLackConsent,
  strayWarnings,
  type ConsentWarningArgs,
  type DeclaredConsent,
} from "../../components/consentAdoption";

const EXO = "3d06aece-c2ab-4637-bb16-363eaa0273b8";
const OTHER = "11111111-2222-3333-4444-555555555555";
const SP = "f567d877-1136-48d3-990c-562bde71d95f";
const IMAP: DeclaredConsent = { protocol: "imap", roleValue: "IMAP.AccessAsApp", appRoleId: "i" };
const SMTP: DeclaredConsent = { protocol: "smtp", roleValue: "SMTP.SendAsApp", appRoleId: "s" };
const ROLE_IDS = { "IMAP.AccessAsApp": "i", "POP.AccessAsApp": "p", "SMTP.SendAsApp": "s" };

const args = (over: Partial<ConsentWarningArgs> = {}): ConsentWarningArgs => ({
  declared: [IMAP, SMTP],
  check: { read: true, existing: [] },
  exchangeObjectId: EXO,
  principalObjectId: SP,
  exchangeRoleIds: ROLE_IDS,
  component: { name: "mail", urn: "urn:pulumi:dev::exo-oauth::exo-oauth:index:MailApplication::mail" },
  ...over,
});

describe("consentImports", () => {
  it("imports exactly the declared consents Entra holds on Exchange Online's service principal, by role id", () => {
    const existing = [
      { id: "A", appRoleId: "i", resourceId: EXO },
      { id: "B", appRoleId: "s", resourceId: OTHER },
      { id: "C", appRoleId: "p", resourceId: EXO },
    ];
    expect(consentImports([IMAP, SMTP], { read: true, existing }, EXO)).toEqual({
      imap: assignmentResourceId(EXO, "A"),
    });
  });

  it("imports only where the state may lack the consent: no completed update, or a protocol the last one did not declare", () => {
    const existing = [
      { id: "A", appRoleId: "i", resourceId: EXO },
      { id: "S", appRoleId: "s", resourceId: EXO },
    ];
    const check = { read: true as const, existing };
    expect(consentImports([IMAP, SMTP], check, EXO, { deployed: false })).toEqual({
      imap: assignmentResourceId(EXO, "A"),
      smtp: assignmentResourceId(EXO, "S"),
    });
    expect(consentImports([IMAP, SMTP], check, EXO, { deployed: true, protocols: ["imap"] })).toEqual({
      smtp: assignmentResourceId(EXO, "S"),
    });
    // Deployed by a version that did not export protocols: the state may hold any of them.
    expect(consentImports([IMAP, SMTP], check, EXO, { deployed: true })).toEqual({});
    expect(mayLackConsent({ deployed: true, protocols: ["imap", "smtp"] }, "smtp")).toBe(false);
  });

  it("imports nothing when the list could not be read", () => {
    expect(consentImports([IMAP], { read: false, why: "503" }, EXO)).toEqual({});
  });
});

describe("the hazards", () => {
  it("a failed list gives the az rest line and the pulumi import line with the component's URN", () => {
    const text = listFailedWarning(args(), "Graph answered 503");
    expect(text).toContain(`https://graph.microsoft.com/v1.0/servicePrincipals/${SP}/appRoleAssignments`);
    expect(text).toContain("IMAP.AccessAsApp = appRoleId i, SMTP.SendAsApp = appRoleId s");
    expect(text).toContain(importCommand(args(), "imap", "<id>"));
    expect(importCommand(args(), "smtp", "X")).toBe(
      `pulumi import azuread:index/appRoleAssignment:AppRoleAssignment mail-consent-smtp '/servicePrincipals/${EXO}/appRoleAssignedTo/X' ` +
        `--parent 'mail=urn:pulumi:dev::exo-oauth::exo-oauth:index:MailApplication::mail'`,
    );
  });

  it("declaredButNotListed names the declared consents Graph does not list", () => {
    expect(
      declaredButNotListed(
        args({ check: { read: true, existing: [{ id: "A", appRoleId: "i", resourceId: EXO }] } }),
      ),
    ).toEqual([SMTP]);
  });

  it("a mail consent neither declared nor declared last time is a stray; one the last update declared is being deleted", () => {
    const existing = [{ id: "P", appRoleId: "p", resourceId: EXO }];
    expect(strayWarnings(args({ check: { read: true, existing } }))).toEqual([
      expect.stringContaining("admin consent POP.AccessAsApp for service principal"),
    ]);
    expect(
      strayWarnings(args({ check: { read: true, existing }, previousProtocols: ["imap", "pop"] })),
    ).toEqual([]);
  });
});
