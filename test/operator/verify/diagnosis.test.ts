import { describe, expect, it } from "vitest";
import type { Protocol } from "../../../components/microsoft";
import {
  diagnoseClaims,
  diagnoseLogin,
  diagnoseTokenFailure,
  type CauseId,
} from "../../../scripts/operator/verify/diagnosis";
import type { LoginStage } from "../../../scripts/operator/verify/login";
import type { TokenClaims, TokenFailure } from "../../../scripts/operator/verify/token";

const TENANT = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
const APPID = "9683f436-8265-4f73-b291-ad000e4f1ba4";
const OID = "87688ccf-9ecb-490b-a9e7-7fd623724991";
const NOW = 1_800_000_000;
const ctx = {
  tenant: TENANT,
  clientId: APPID,
  authorityHost: "https://login.microsoftonline.com",
  credential: "secret" as const,
};

describe("a token failure maps to a cause an admin can act on", () => {
  const cases: { failure: TokenFailure; id: CauseId; says: RegExp }[] = [
    {
      failure: { kind: "aadsts", code: 7000215, message: "AADSTS7000215: Invalid client secret provided." },
      id: "secret-wrong",
      says: /secret ID \(a GUID\) was used instead of the value/,
    },
    {
      failure: { kind: "aadsts", code: 7000222, message: "AADSTS7000222: expired" },
      id: "secret-expired",
      says: /pulumi up/,
    },
    {
      failure: { kind: "aadsts", code: 700016, message: "AADSTS700016: not found" },
      id: "application-not-found",
      says: /Application \(client\) ID, not the object id/,
    },
    {
      failure: { kind: "aadsts", code: 1002012, message: "AADSTS1002012: scope" },
      id: "scope-invalid",
      says: /https:\/\/outlook\.office365\.com\/\.default/,
    },
    {
      failure: { kind: "aadsts", code: 70011, message: "AADSTS70011: scope" },
      id: "scope-invalid",
      says: /not role names/,
    },
    {
      failure: { kind: "aadsts", code: 500011, message: "AADSTS500011: resource" },
      id: "resource-not-found",
      says: /Exchange Online licence/,
    },
    {
      failure: { kind: "aadsts", code: 90002, message: "AADSTS90002: tenant" },
      id: "tenant-not-found",
      says: /Directory \(tenant\) ID/,
    },
    {
      failure: {
        kind: "aadsts",
        code: 700027,
        message:
          "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.",
      },
      id: "certificate-not-registered",
      says: /Upload the certificate's public part/,
    },
    {
      failure: { kind: "aadsts", code: 7000229, message: "AADSTS7000229: missing sp" },
      id: "service-principal-missing",
      says: /Enterprise applications/,
    },
    {
      failure: { kind: "aadsts", code: 700024, message: "AADSTS700024: time" },
      id: "client-assertion-invalid",
      says: /clock/,
    },
    {
      failure: {
        kind: "aadsts",
        code: 53003,
        message: "AADSTS53003: Access has been blocked by Conditional Access policies.",
      },
      id: "token-error",
      says: /error\?code=53003/,
    },
    {
      failure: { kind: "unreachable", message: "login.microsoftonline.com is unreachable: ENOTFOUND" },
      id: "authority-unreachable",
      says: /DNS, proxy and firewall/,
    },
    {
      failure: { kind: "tls", message: "TLS failed: SELF_SIGNED_CERT_IN_CHAIN" },
      id: "authority-tls",
      says: /--ca-file/,
    },
    {
      failure: { kind: "discovery", message: "HTTP 404" },
      id: "authority-invalid",
      says: /--authority-host/,
    },
    { failure: { kind: "credential", message: "ENOENT" }, id: "credential-unreadable", says: /PEM file/ },
  ];
  it.each(cases)("$failure.kind $failure.code → $id", ({ failure, id, says }) => {
    const cause = diagnoseTokenFailure(failure, ctx);
    expect(cause.id).toBe(id);
    expect(`${cause.summary} ${cause.action}`).toMatch(says);
    if (failure.code) expect(cause.summary).toMatch(new RegExp(`^AADSTS${failure.code}: `));
  });
});

describe("a secret refused while the stack publishes one Entra no longer has", () => {
  const PUBLISHED = "3f1c7e62-0d4b-4a53-9b47-2f0e5b1c9a10";
  const OTHER = "a8d2b3c4-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  const wrong: TokenFailure = {
    kind: "aadsts",
    code: 7000215,
    message: "AADSTS7000215: Invalid client secret provided.",
  };
  const expired: TokenFailure = { kind: "aadsts", code: 7000222, message: "AADSTS7000222: expired" };
  const at = new Date("2026-04-05T13:00:00Z");

  it("names a deleted published secret and the run that publishes a new one", () => {
    const cause = diagnoseTokenFailure(wrong, {
      ...ctx,
      publishedKeyId: PUBLISHED,
      liveSecrets: [{ keyId: OTHER, endDateTime: "2026-07-03T00:00:00Z" }],
      now: at,
    });
    expect(cause.id).toBe("secret-gone");
    expect(cause.summary).toBe(
      `AADSTS7000215: the published secret was deleted out of band (key id ${PUBLISHED} is not among the application's secrets)`,
    );
    expect(cause.action).toMatch(
      /^The published secret was deleted\/expired out of band; the next `pulumi up --refresh` publishes a new one/,
    );
  });

  it("names a published secret past its end (AADSTS7000222), matching the key id in any letter case", () => {
    const cause = diagnoseTokenFailure(expired, {
      ...ctx,
      publishedKeyId: PUBLISHED.toUpperCase(),
      liveSecrets: [{ keyId: PUBLISHED, endDateTime: "2026-04-01T02:00:01Z" }],
      now: at,
    });
    expect(cause.id).toBe("secret-gone");
    expect(cause.summary).toMatch(/was expired out of band .* is past its end date\)$/);
  });

  it("keeps the usual causes when the published secret is there and live, or nothing is known", () => {
    const live = [{ keyId: PUBLISHED, endDateTime: "2026-10-01T00:00:00Z" }];
    expect(
      diagnoseTokenFailure(wrong, { ...ctx, publishedKeyId: PUBLISHED, liveSecrets: live, now: at }).id,
    ).toBe("secret-wrong");
    expect(diagnoseTokenFailure(wrong, { ...ctx, publishedKeyId: PUBLISHED }).id).toBe("secret-wrong");
    expect(diagnoseTokenFailure(wrong, { ...ctx, liveSecrets: live }).id).toBe("secret-wrong");
    expect(
      diagnoseTokenFailure(expired, { ...ctx, publishedKeyId: PUBLISHED, liveSecrets: live, now: at }).id,
    ).toBe("secret-expired");
    // Only a refused secret: another error with the published key gone is still that error.
    const tenant: TokenFailure = { kind: "aadsts", code: 90002, message: "AADSTS90002: tenant" };
    expect(diagnoseTokenFailure(tenant, { ...ctx, publishedKeyId: PUBLISHED, liveSecrets: [] }).id).toBe(
      "tenant-not-found",
    );
  });
});

const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  aud: "https://outlook.office365.com",
  iss: `https://sts.windows.net/${TENANT}/`,
  tid: TENANT,
  appid: APPID,
  oid: OID,
  roles: ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"],
  exp: NOW + 3599,
  ...over,
});
const all: Protocol[] = ["imap", "pop", "smtp"];

describe("the token's claims are read before any login", () => {
  it("finds nothing wrong with a token that carries every configured role", () => {
    expect(diagnoseClaims(claims(), { expectedTenantId: TENANT, protocols: all, now: NOW })).toEqual({
      blocking: [],
      perProtocol: {},
    });
  });

  it.each([
    ["imap", "IMAP.AccessAsApp"],
    ["pop", "POP.AccessAsApp"],
    ["smtp", "SMTP.SendAsApp"],
  ] as const)("a token without %s's role means admin consent for %s is missing", (protocol, role) => {
    const d = diagnoseClaims(claims({ roles: claims().roles.filter((r) => r !== role) }), {
      protocols: all,
      now: NOW,
    });
    expect(Object.keys(d.perProtocol)).toEqual([protocol]);
    expect(d.perProtocol[protocol]).toMatchObject({ id: "role-missing" });
    expect(d.perProtocol[protocol]!.summary).toContain(`no ${role} role: admin consent is missing`);
    expect(d.blocking).toEqual([]);
  });

  it("says SMTP needs SMTP.SendAsApp when the tutorial's SMTP.AccessAsApp is all there is", () => {
    const d = diagnoseClaims(claims({ roles: ["IMAP.AccessAsApp", "SMTP.AccessAsApp"] }), {
      protocols: ["smtp"],
      now: NOW,
    });
    expect(d.perProtocol.smtp!.action).toMatch(/SMTP\.SendAsApp \(SMTP\.AccessAsApp does not exist/);
  });

  it("checks only the configured protocols", () => {
    expect(
      diagnoseClaims(claims({ roles: ["IMAP.AccessAsApp"] }), { protocols: ["imap"], now: NOW }).perProtocol,
    ).toEqual({});
  });

  it.each<[string, Partial<TokenClaims>, CauseId, RegExp]>([
    [
      "a Graph token",
      { aud: "https://graph.microsoft.com" },
      "wrong-audience",
      /Graph \(https:\/\/graph\.microsoft\.com\/\.default\) token will not open a mailbox/,
    ],
    [
      "another tenant's token",
      { tid: "11111111-2222-3333-4444-555555555555" },
      "wrong-tenant",
      /stack's tenantId output/,
    ],
    ["an expired token", { exp: NOW - 10 }, "token-expired", /clock/],
  ])("%s blocks every login", (_name, over, id, says) => {
    const d = diagnoseClaims(claims(over), { expectedTenantId: TENANT, protocols: all, now: NOW });
    expect(d.blocking.map((c) => c.id)).toEqual([id]);
    expect(d.blocking[0].action).toMatch(says);
  });

  it.each(["https://outlook.office365.com/", "00000002-0000-0ff1-ce00-000000000000"])(
    "accepts Exchange's audience written as %s",
    (aud) => {
      expect(diagnoseClaims(claims({ aud }), { protocols: all, now: NOW }).blocking).toEqual([]);
    },
  );
});

describe("a failed login maps to its likely cause", () => {
  const login = (protocol: Protocol, stage: LoginStage, serverResponse: string) =>
    diagnoseLogin(
      { ok: false, protocol, ms: 500, stage, serverResponse },
      {
        protocol,
        mailbox: "helpdesk@contoso.com",
        endpoint: "outlook.office365.com:993",
        appid: APPID,
        oid: OID,
      },
    );
  const cases: { protocol: Protocol; stage: LoginStage; reply: string; id: CauseId; says: RegExp }[] = [
    {
      protocol: "imap",
      stage: "auth",
      reply: "NO AUTHENTICATE failed.",
      id: "exchange-refused-token",
      says: new RegExp(`New-ServicePrincipal -AppId ${APPID} -ObjectId ${OID}`),
    },
    {
      protocol: "pop",
      stage: "auth",
      reply: "-ERR Authentication failure: unknown user name or bad password.",
      id: "exchange-refused-token",
      says: /Add-MailboxPermission -Identity helpdesk@contoso\.com -User .* -AccessRights FullAccess/,
    },
    {
      protocol: "smtp",
      stage: "auth",
      reply: "535 5.7.3 Authentication unsuccessful",
      id: "exchange-refused-token",
      says: /15–30 minutes.*--wait 30m/,
    },
    {
      protocol: "imap",
      stage: "command",
      reply: "BAD User is authenticated but not connected.",
      id: "mailbox-not-opened",
      says: /FullAccess/,
    },
    {
      protocol: "smtp",
      stage: "auth",
      reply: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
      id: "smtp-auth-disabled",
      says: /Set-TransportConfig -SmtpClientAuthenticationDisabled \$false/,
    },
    {
      protocol: "smtp",
      stage: "auth",
      reply: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
      id: "smtp-auth-disabled",
      says: /Set-CASMailbox -Identity helpdesk@contoso\.com -SmtpClientAuthenticationDisabled \$false/,
    },
    {
      protocol: "smtp",
      stage: "command",
      reply: "554 5.2.252 SendAsDenied; helpdesk@contoso.com not allowed to send as x",
      id: "send-as-denied",
      says: new RegExp(
        `Add-RecipientPermission -Identity helpdesk@contoso\\.com -Trustee ${OID} -AccessRights SendAs`,
      ),
    },
    {
      protocol: "smtp",
      stage: "command",
      reply: "550 5.7.708 Service unavailable",
      id: "login-error",
      says: /message trace/,
    },
    {
      protocol: "imap",
      stage: "timeout",
      reply: "no answer within 30000 ms",
      id: "timeout",
      says: /--timeout/,
    },
    {
      protocol: "imap",
      stage: "connect",
      reply: "connect ECONNREFUSED 127.0.0.1:993",
      id: "host-unreachable",
      says: /--imap-host, --imap-port/,
    },
    { protocol: "pop", stage: "tls", reply: "self-signed certificate", id: "tls-failed", says: /--ca-file/ },
    {
      protocol: "pop",
      stage: "greeting",
      reply: "HTTP/1.1 400 Bad Request",
      id: "not-a-mail-server",
      says: /POP 995 TLS/,
    },
  ];
  it.each(cases)("$protocol $stage «$reply» → $id", ({ protocol, stage, reply, id, says }) => {
    const cause = login(protocol, stage, reply);
    expect(cause.id).toBe(id);
    expect([cause.summary, cause.action, ...(cause.checks ?? [])].join("\n")).toMatch(says);
  });

  it("lists the protocol switch only for IMAP and POP refusals", () => {
    expect(login("imap", "auth", "NO AUTHENTICATE failed.").checks!.join()).toMatch(/-ImapEnabled \$true/);
    expect(login("smtp", "auth", "535 5.7.3 Authentication unsuccessful").checks!.join()).not.toMatch(
      /Set-CASMailbox/,
    );
  });

  it("names the scope Exchange's 5.7.139 names, and only that scope's switch first", () => {
    const mailbox = login(
      "smtp",
      "auth",
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
    );
    expect(mailbox.summary).toBe("SMTP AUTH is disabled for the mailbox helpdesk@contoso.com");
    expect(mailbox.action).not.toContain("Set-TransportConfig");
    const tenant = login(
      "smtp",
      "auth",
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
    );
    expect(tenant.summary).toBe("SMTP AUTH is disabled for the tenant");
    expect(tenant.action).toMatch(
      /^The tenant's switch is off and the mailbox follows it: `Set-TransportConfig -SmtpClientAuthenticationDisabled \$false`/,
    );
    const defaults = login(
      "smtp",
      "auth",
      "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
    );
    expect(defaults.summary).toBe("SMTP AUTH is blocked by the tenant's security defaults");
  });

  it("names the send-as address, not the login mailbox, in a send-as check's SendAsDenied", () => {
    const cause = diagnoseLogin(
      {
        ok: false,
        protocol: "smtp",
        ms: 1,
        stage: "command",
        serverResponse:
          "554 5.2.252 SendAsDenied; helpdesk@contoso.com not allowed to send as billing@contoso.com",
      },
      {
        protocol: "smtp",
        mailbox: "helpdesk@contoso.com",
        sendAs: "billing@contoso.com",
        endpoint: "e:587",
        oid: OID,
      },
    );
    expect(cause.summary).toBe("Exchange refused to send as billing@contoso.com (SendAsDenied)");
    expect(cause.action).toContain(
      `Add-RecipientPermission -Identity billing@contoso.com -Trustee ${OID} -AccessRights SendAs`,
    );
  });

  it("names a protocol the record found blocked before any guess", () => {
    const cause = diagnoseLogin(
      {
        ok: false,
        protocol: "pop",
        ms: 1,
        stage: "auth",
        serverResponse: "-ERR Authentication failure: unknown user name or bad password.",
      },
      {
        protocol: "pop",
        mailbox: "helpdesk@contoso.com",
        endpoint: "e:995",
        oid: OID,
        blocked: [{ mailbox: "helpdesk@contoso.com", protocol: "POP", switch: "PopEnabled" }],
      },
    );
    expect(cause).toMatchObject({
      id: "protocol-blocked",
      summary: "POP is switched off for helpdesk@contoso.com (PopEnabled)",
    });
    expect(cause?.action).toContain("`Set-CASMailbox -Identity helpdesk@contoso.com -PopEnabled $true`");
  });

  it("names the registration mistake first: the enterprise application's object id, not the app registration's", () => {
    expect(login("imap", "auth", "NO AUTHENTICATE failed.").checks![0]).toMatch(
      /ENTERPRISE APPLICATION's object id .* not the app registration's/,
    );
  });
});
