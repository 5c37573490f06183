import { describe, expect, it } from "vitest";
import { MORE_RESULTS_WARNING } from "../../../scripts/offline-tenant/exchange/cmdlets";
import { readState } from "../../../scripts/offline-tenant/state";
import { connected, inProcess, newTenant, registerApp } from "../../support/simulator";

const NOT_FOUND = /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|/;

describe("the Exchange simulator's protocol", () => {
  it("answers any cmdlet before connect with 'You must call Connect-ExchangeOnline before calling any other cmdlet.'", () => {
    const c = inProcess(newTenant());
    const r = c.send("Get-Mailbox");
    expect(r.ok).toBe(false);
    expect(r.error?.message).toBe("You must call Connect-ExchangeOnline before calling any other cmdlet.");
    expect(c.connect().ok).toBe(true);
    expect(c.send("Get-Mailbox").ok).toBe(true);
  });

  it("echoes the request id and answers result and warnings arrays", () => {
    const c = inProcess(newTenant());
    const out = c.raw(
      JSON.stringify({
        id: 41,
        cmdlet: "connect",
        params: {
          connection: "managedIdentity",
          organization: "contoso.onmicrosoft.com",
          moduleMinVersion: "3.5.0",
        },
      }),
    );
    expect(out.response).toEqual({ id: 41, ok: true, result: [], warnings: [] });
  });

  it("refuses a cmdlet outside the allow-list with the shim's CmdletNotAllowed error", () => {
    const c = inProcess(newTenant());
    c.connect();
    const r = c.send("Set-Mailbox", { Identity: "a@contoso.com" });
    expect(r.error).toMatchObject({
      fullyQualifiedErrorId: "CmdletNotAllowed",
      category: "InvalidOperation",
    });
    expect(r.error?.message).toContain("Cmdlet 'Set-Mailbox' is not allowed");
  });

  it("fails an unknown parameter with PowerShell's NamedParameterNotFound error", () => {
    const c = inProcess(newTenant());
    c.connect();
    const r = c.send("Get-MailboxPermission", { Identity: "a@contoso.com", Usr: "x" });
    expect(r.error).toEqual({
      message: "A parameter cannot be found that matches parameter name 'Usr'.",
      category: "InvalidArgument",
      fullyQualifiedErrorId: "NamedParameterNotFound,Get-MailboxPermission",
      exceptionType: "System.Management.Automation.ParameterBindingException",
    });
  });

  it("fails a missing mandatory parameter, an empty mandatory value and a bad enum value like PowerShell", () => {
    const c = inProcess(newTenant());
    c.connect();
    expect(
      c.send("Add-MailboxPermission", { Identity: "a@contoso.com", User: "x" }).error?.fullyQualifiedErrorId,
    ).toBe("MissingMandatoryParameter,Add-MailboxPermission");
    expect(c.send("Remove-ServicePrincipal", { Identity: "", Confirm: false }).error?.message).toBe(
      "Cannot bind argument to parameter 'Identity' because it is an empty string.",
    );
    const bad = c.send("Add-MailboxPermission", {
      Identity: "a@contoso.com",
      User: "x",
      AccessRights: ["FullAccesss"],
    });
    expect(bad.error?.message).toContain('Cannot convert value "FullAccesss"');
    expect(bad.error?.message).toContain("FullAccess, ReadPermission");
    expect(
      c.send("Get-Mailbox", { Identity: "a@contoso.com", ErrorAction: "Stop" }).error?.fullyQualifiedErrorId,
    ).toBe("ParameterAlreadyBound,Get-Mailbox");
  });

  it("matches parameter names case-insensitively, as PowerShell does", () => {
    const c = inProcess(newTenant());
    c.connect();
    expect(c.send("Get-Mailbox", { identity: "A@CONTOSO.COM" }).result?.[0].PrimarySmtpAddress).toBe(
      "a@contoso.com",
    );
  });

  it("answers a line that is not JSON with id null and ConvertFrom-Json's error", () => {
    const c = inProcess(newTenant());
    const out = c.raw("{nope");
    expect(out.response).toMatchObject({
      id: null,
      ok: false,
      error: { exceptionType: "System.ArgumentException" },
    });
  });

  it("fails a confirming cmdlet without -Confirm:$false, because PowerShell runs -NonInteractive", () => {
    const { t, c } = connected();
    registerApp(c, t);
    const r = c.send("Remove-ServicePrincipal", { Identity: t.app.spObjectId });
    expect(r.error?.message).toBe(
      "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
    );
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
  });
});

describe("the Exchange simulator's connect", () => {
  it("validates the certificate mode: appId and a base64 PFX in EXO_OAUTH_CERTIFICATE", () => {
    const t = newTenant();
    const base = { connection: "certificate", appId: "44444444-4444-4444-8444-444444444444" };
    expect(inProcess(t).connect({ ...base }).error?.message).toContain("FromBase64String");
    expect(
      inProcess(t, { EXO_OAUTH_CERTIFICATE: "bm90IGEgcGZ4" }).connect({ connection: "certificate" }).error
        ?.message,
    ).toBe("Cannot bind argument to parameter 'AppId' because it is an empty string.");
    expect(inProcess(t, { EXO_OAUTH_CERTIFICATE: "bm90IGEgcGZ4" }).connect(base).ok).toBe(true);
  });

  it("validates the access-token mode: EXO_OAUTH_ACCESS_TOKEN must be set", () => {
    const t = newTenant();
    expect(inProcess(t).connect({ connection: "accessToken" }).error?.message).toBe(
      "Cannot bind argument to parameter 'AccessToken' because it is an empty string.",
    );
    expect(
      inProcess(t, { EXO_OAUTH_ACCESS_TOKEN: "eyJ0eXAi" }).connect({ connection: "accessToken" }).ok,
    ).toBe(true);
  });

  it("refuses another tenant's organization as UnAuthorized", () => {
    const r = inProcess(newTenant()).connect({ organization: "fabrikam.onmicrosoft.com" });
    expect(r.error?.message).toMatch(/^UnAuthorized/);
  });

  it("answers the shim's ExchangeModuleMissing error when the installed module is older than required", () => {
    const r = inProcess(newTenant(), { EXO_SIM_MODULE_VERSION: "3.0.0" }).connect();
    expect(r.error).toMatchObject({
      fullyQualifiedErrorId: "ExchangeModuleMissing",
      category: "NotInstalled",
    });
    expect(r.error?.message).toContain("ExchangeOnlineManagement 3.5.0 or later is not installed");
  });

  it("refuses an unknown connection mode", () => {
    expect(inProcess(newTenant()).connect({ connection: "password" }).error?.fullyQualifiedErrorId).toBe(
      "ConnectionUnknown",
    );
  });
});

describe("the Exchange simulator's service principals", () => {
  it("registers an Entra service principal with Identity = ObjectId = the Entra SP object id and a SID", () => {
    const { t, c } = connected();
    const r = registerApp(c, t);
    expect(r.ok).toBe(true);
    expect(r.result?.[0]).toMatchObject({
      AppId: t.app.clientId,
      ObjectId: t.app.spObjectId,
      Identity: t.app.spObjectId,
      DisplayName: t.app.displayName,
      RecipientTypeDetails: "ServicePrinciple",
    });
    expect(r.result?.[0].Sid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(1);
  });

  it("fails with AADServicePrincipalNotFound when given the app registration's object id (the common mistake)", () => {
    const { t, c } = connected();
    const r = c.send("New-ServicePrincipal", { AppId: t.app.clientId, ObjectId: t.app.objectId });
    expect(r.error?.message).toContain("AADServicePrincipalNotFound");
    expect(r.error?.message).toContain(t.app.objectId);
    expect(readState(t.statePath).exchange.servicePrincipals).toHaveLength(0);
  });

  it("accepts the deprecated -ServiceId with a deprecation warning", () => {
    const { t, c } = connected();
    const r = c.send("New-ServicePrincipal", { AppId: t.app.clientId, ServiceId: t.app.spObjectId });
    expect(r.ok).toBe(true);
    expect(r.warnings.join(" ")).toMatch(/ServiceId parameter is deprecated.*ObjectId/);
  });

  it("fails a duplicate registration with ADObjectAlreadyExistsException", () => {
    const { t, c } = connected();
    registerApp(c, t);
    const r = registerApp(c, t);
    expect(r.error?.message).toMatch(
      /^Ex[0-9A-F]{6}\|Microsoft\.Exchange\.Data\.Directory\.ADObjectAlreadyExistsException\|/,
    );
  });

  it("returns every service principal for no -Identity, and ALSO for -Identity $null or '' (the real trap)", () => {
    const { t, c } = connected();
    registerApp(c, t);
    for (const params of [{}, { Identity: null }, { Identity: "" }])
      expect(c.send("Get-ServicePrincipal", params).result).toHaveLength(1);
  });

  it("finds a service principal by object id, AppId or name, and fails an unknown identity with Ex6F9304", () => {
    const { t, c } = connected();
    registerApp(c, t);
    for (const id of [t.app.spObjectId, t.app.clientId, t.app.displayName])
      expect(c.send("Get-ServicePrincipal", { Identity: id }).result?.[0].ObjectId).toBe(t.app.spObjectId);
    const r = c.send("Get-ServicePrincipal", { Identity: "99999999-9999-4999-8999-999999999999" });
    expect(r.error?.message).toMatch(NOT_FOUND);
  });

  it("removes a service principal; its grants stay behind as orphaned SID rows, as in AD", () => {
    const { t, c } = connected();
    const sid = registerApp(c, t).result?.[0].Sid as string;
    c.send("Add-MailboxPermission", {
      Identity: "a@contoso.com",
      User: t.app.spObjectId,
      AccessRights: ["FullAccess"],
    });
    expect(c.send("Remove-ServicePrincipal", { Identity: t.app.spObjectId, Confirm: false }).ok).toBe(true);
    expect(c.send("Get-ServicePrincipal").result).toHaveLength(0);
    const rows = c.send("Get-MailboxPermission", { Identity: "a@contoso.com" }).result ?? [];
    expect(rows.find((r) => r.UserSid === sid)?.User).toBe(sid);
  });
});

describe("the Exchange simulator's mailboxes and permissions", () => {
  it("fails an unknown mailbox with Exchange's Ex6F9304 not-found error naming it and the server", () => {
    const c = inProcess(newTenant());
    c.connect();
    const r = c.send("Get-MailboxPermission", { Identity: "nobody@contoso.com" });
    expect(r.error?.message).toMatch(NOT_FOUND);
    expect(r.error?.message).toMatch(
      /object 'nobody@contoso\.com' couldn't be found on '[A-Z0-9.]+\.PROD\.OUTLOOK\.COM'\.$/,
    );
  });

  it.each(["spObjectId", "clientId", "displayName"] as const)(
    "grants FullAccess to the service principal named by its %s, as a row with its SID and display name",
    (key) => {
      const { t, c } = connected();
      const sp = registerApp(c, t).result?.[0] as { Sid: string };
      const r = c.send("Add-MailboxPermission", {
        Identity: "a@contoso.com",
        User: t.app[key],
        AccessRights: ["FullAccess"],
        InheritanceType: "All",
      });
      expect(r.ok).toBe(true);
      expect(r.result?.[0]).toMatchObject({
        User: t.app.displayName,
        UserSid: sp.Sid,
        AccessRights: ["FullAccess"],
        IsInherited: false,
        Deny: false,
        InheritanceType: "All",
      });
    },
  );

  it("answers a duplicate grant with the 'access control entry is already present' WARNING and changes nothing", () => {
    const { t, c } = connected();
    registerApp(c, t);
    const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
    c.send("Add-MailboxPermission", grant);
    const before = readState(t.statePath).exchange.mailboxes[0].permissions;
    const r = c.send("Add-MailboxPermission", grant);
    expect(r.ok).toBe(true);
    expect(r.warnings[0]).toMatch(
      /^The appropriate access control entry is already present on the object "CN=a,.*" for account "exo-oauth mail daemon"\.$/,
    );
    expect(readState(t.statePath).exchange.mailboxes[0].permissions).toEqual(before);
  });

  it("lists SELF, inherited and Deny rows too, and -User filters to that principal's rows", () => {
    const { t, c } = connected();
    const sp = registerApp(c, t).result?.[0] as { Sid: string };
    c.send("Add-MailboxPermission", {
      Identity: "a@contoso.com",
      User: t.app.spObjectId,
      AccessRights: ["FullAccess"],
    });
    const all = c.send("Get-MailboxPermission", { Identity: "a@contoso.com" }).result ?? [];
    expect(all.map((r) => r.User)).toContain("NT AUTHORITY\\SELF");
    expect(all.some((r) => r.IsInherited === true && r.Deny === true)).toBe(true);
    expect(all).toHaveLength(3);
    const ours =
      c.send("Get-MailboxPermission", { Identity: "a@contoso.com", User: t.app.spObjectId }).result ?? [];
    expect(ours.map((r) => r.UserSid)).toEqual([sp.Sid]);
  });

  it("revokes a grant, and warns 'the ACE doesn't exist' when revoking it again", () => {
    const { t, c } = connected();
    registerApp(c, t);
    const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
    c.send("Add-MailboxPermission", grant);
    const first = c.send("Remove-MailboxPermission", { ...grant, InheritanceType: "All", Confirm: false });
    expect(first).toMatchObject({ ok: true, warnings: [] });
    expect(
      c.send("Get-MailboxPermission", { Identity: "a@contoso.com", User: t.app.spObjectId }).result,
    ).toEqual([]);
    const again = c.send("Remove-MailboxPermission", { ...grant, Confirm: false });
    expect(again.ok).toBe(true);
    expect(again.warnings[0]).toMatch(/because the ACE doesn't exist on the object\.$/);
  });

  it("fails a grant to a principal Exchange does not know with the Ex94914C referenced-object error", () => {
    const c = inProcess(newTenant());
    c.connect();
    const r = c.send("Add-MailboxPermission", {
      Identity: "a@contoso.com",
      User: "ghost",
      AccessRights: ["FullAccess"],
    });
    expect(r.error?.message).toMatch(
      /^Ex94914C\|.*ManagementObjectNotFoundException\|Couldn't find object "ghost"/,
    );
  });

  it("grants and revokes SendAs recipient permissions with the same warnings, next to the default SELF row", () => {
    const { t, c } = connected();
    const sp = registerApp(c, t).result?.[0] as { Sid: string };
    const sendAs = {
      Identity: "b@contoso.com",
      Trustee: t.app.spObjectId,
      AccessRights: ["SendAs"],
      Confirm: false,
    };
    expect(c.send("Add-RecipientPermission", sendAs).result?.[0]).toMatchObject({
      Trustee: t.app.displayName,
      TrusteeSidString: sp.Sid,
      AccessControlType: "Allow",
      AccessRights: ["SendAs"],
    });
    expect(c.send("Add-RecipientPermission", sendAs).warnings[0]).toMatch(/already present/);
    const rows = c.send("Get-RecipientPermission", { Identity: "b@contoso.com" }).result ?? [];
    expect(rows.map((r) => r.TrusteeSidString)).toEqual(["S-1-5-10", sp.Sid]);
    expect(
      c.send("Get-RecipientPermission", { Identity: "b@contoso.com", Trustee: t.app.clientId }).result,
    ).toHaveLength(1);
    expect(c.send("Remove-RecipientPermission", sendAs).warnings).toEqual([]);
    expect(c.send("Remove-RecipientPermission", sendAs).warnings[0]).toMatch(/ACE doesn't exist/);
  });

  it("shows each mailbox's protocol switches with Get-CASMailbox and all mailboxes with Get-Mailbox", () => {
    const c = inProcess(newTenant());
    c.connect();
    expect(c.send("Get-CASMailbox", { Identity: "b@contoso.com" }).result?.[0]).toMatchObject({
      PrimarySmtpAddress: "b@contoso.com",
      ImapEnabled: true,
      PopEnabled: true,
      SmtpClientAuthenticationDisabled: null,
    });
    expect(c.send("Get-EXOMailbox", { ResultSize: "Unlimited" }).result).toHaveLength(2);
  });

  it("returns at most 1000 mailboxes without -ResultSize, with Exchange's warning; -ResultSize Unlimited returns all", () => {
    const addresses = Array.from({ length: 1002 }, (_, i) => `u${i}@contoso.com`);
    const c = inProcess(newTenant(addresses));
    c.connect();
    const capped = c.send("Get-Mailbox");
    expect(capped.result).toHaveLength(1000);
    expect(capped.warnings).toEqual([MORE_RESULTS_WARNING]);
    const some = c.send("Get-Mailbox", { ResultSize: 1001 });
    expect([some.result?.length, some.warnings]).toEqual([1001, [MORE_RESULTS_WARNING]]);
    const all = c.send("Get-Mailbox", { ResultSize: "Unlimited" });
    expect([all.result?.length, all.warnings]).toEqual([1002, []]);
    expect(c.send("Get-Mailbox", { ResultSize: "all" }).error?.fullyQualifiedErrorId).toMatch(
      /^CannotConvertArgumentNoMessage,Get-Mailbox/,
    );
  });

  it("Get-RecipientPermission -Trustee without -Identity lists that trustee's SendAs on every recipient, 1000 at most by default", () => {
    const addresses = Array.from({ length: 1001 }, (_, i) => `u${i}@contoso.com`);
    const t = newTenant(addresses);
    const c = inProcess(t);
    c.connect();
    registerApp(c, t);
    for (const a of ["u3@contoso.com", "u700@contoso.com"])
      c.send("Add-RecipientPermission", {
        Identity: a,
        Trustee: t.app.spObjectId,
        AccessRights: ["SendAs"],
        Confirm: false,
      });
    const ours = c.send("Get-RecipientPermission", { Trustee: t.app.spObjectId, ResultSize: "Unlimited" });
    expect(ours.result?.map((r) => r.Identity)).toEqual(["u3", "u700"]);
    // Unfiltered, every mailbox's SELF row counts: 1001 rows, 1000 returned.
    const everyone = c.send("Get-RecipientPermission");
    expect([everyone.result?.length, everyone.warnings]).toEqual([1000, [MORE_RESULTS_WARNING]]);
  });
});
