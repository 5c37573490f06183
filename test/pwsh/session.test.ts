// The Exchange session (session.ts) through REAL pwsh: shim.ps1 → stand-in ExchangeOnlineManagement
// → REST front → the offline Exchange. What the fake pwsh could never show: that the shim runs,
// opens a real PFX, keeps the module's streams off the protocol, and round-trips Unicode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExchangeCmdletError,
  openExchangeSession,
  type ExchangeConnectionSettings,
  type ExchangeSessionOptions,
  type SessionEvent,
} from "../../scripts/exchange-driver/session";
import type { ExchangeSignIn } from "../../components/exchange-step/settings";
import { readSimStats } from "../../scripts/offline-tenant/exchange/stats";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";
import { ORG, newTenant, type Tenant } from "../support/simulator";
import { makeAccessToken, makeCertificate, type TestCertificate } from "./fixtures";

const skip = realTierSkip();
const TIMEOUT = 180_000;

describe.skipIf(skip !== undefined)(
  `the Exchange session through real pwsh + shim.ps1 + the stand-in module${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let tier: TierSetup;
    let cert: TestCertificate;
    beforeAll(async () => {
      tier = await openTier("real");
      cert = makeCertificate({ password: "pfx-pässword-7Q2" });
    }, TIMEOUT);
    afterAll(async () => tier?.close());

    type Connection = ExchangeSignIn;

    function options(t: Tenant, connection: Connection, env: Record<string, string> = {}) {
      const settings = {
        ...connection,
        pwsh: tier.pwsh,
        retryDeadlineSeconds: 30,
        organization: ORG,
      } as ExchangeConnectionSettings;
      const events: SessionEvent[] = [];
      const opts: ExchangeSessionOptions = {
        settings,
        env: {
          ...process.env,
          ...tier.env,
          EXO_SIM_STATE: t.statePath,
          EXO_SIM_STATS: t.statsPath,
          EXO_OAUTH_RETRY_BASE_MS: "5",
          ...env,
        },
        onEvent: (e) => events.push(e),
      };
      return { opts, events };
    }
    const certificate = (c: TestCertificate = cert): Connection => ({
      connection: "certificate",
      automationAppId: "55555555-5555-4555-8555-555555555555",
      certificate: c.pfx,
      ...(c.password ? { certificatePassword: c.password } : {}),
    });
    const register = (t: Tenant, displayName = t.app.displayName) => ({
      AppId: t.app.clientId,
      ObjectId: t.app.spObjectId,
      DisplayName: displayName,
    });
    async function rejection(p: Promise<unknown>): Promise<Error> {
      try {
        await p;
      } catch (err) {
        return err as Error;
      }
      throw new Error("expected a rejection");
    }

    it(
      "connects with a password-protected PFX, runs the run's cmdlets in one process and disconnects",
      async () => {
        const t = newTenant();
        const { opts, events } = options(t, certificate());
        const session = await openExchangeSession(opts);
        const sp = await session.invoke("New-ServicePrincipal", register(t));
        expect(sp.result[0]).toMatchObject({ ObjectId: t.app.spObjectId, AppId: t.app.clientId });
        for (const mailbox of ["a@contoso.com", "b@contoso.com"])
          await session.invoke("Add-MailboxPermission", {
            Identity: mailbox,
            User: t.app.spObjectId,
            AccessRights: ["FullAccess"],
            InheritanceType: "All",
          });
        const rows = await session.invoke("Get-MailboxPermission", {
          Identity: "a@contoso.com",
          User: t.app.spObjectId,
        });
        expect(rows.result.map((r) => r.UserSid)).toEqual([sp.result[0].Sid]);
        expect(rows.result[0].AccessRights).toEqual(["FullAccess"]);
        await session.close();
        expect(readSimStats(t.statsPath)).toMatchObject({
          sessions: 1,
          connects: 1,
          disconnects: 1,
          byKind: { read: 1, write: 3 },
          errors: 0,
        });
        expect(events.map((e) => e.type)).toEqual(["spawned", "connected", "closed"]);
        expect(events.at(-1)).toEqual({ type: "closed", exitCode: 0 });
      },
      TIMEOUT,
    );

    it.each<[string, () => Connection, Record<string, string>]>([
      ["a PFX without a password", () => certificate(makeCertificate()), {}],
      ["a system-assigned managed identity", () => ({ connection: "managedIdentity" }), {}],
      [
        "a user-assigned managed identity",
        () => ({
          connection: "managedIdentity",
          managedIdentityAccountId: "66666666-6666-4666-8666-666666666666",
        }),
        {},
      ],
      [
        "an access token",
        () => ({ connection: "accessToken", accessTokenEnv: "MY_EXO_TOKEN" }),
        { MY_EXO_TOKEN: makeAccessToken() },
      ],
    ])(
      "connects with %s",
      async (_what, connection, env) => {
        const t = newTenant();
        const session = await openExchangeSession(options(t, connection(), env).opts);
        const r = await session.invoke("Get-Mailbox", { Identity: "b@contoso.com" });
        expect(r.result.map((m) => m.PrimarySmtpAddress)).toEqual(["b@contoso.com"]);
        await session.close();
        expect(readSimStats(t.statsPath)).toMatchObject({
          connects: 1,
          disconnects: 1,
          cmdlets: { "Get-Mailbox": 1 },
        });
      },
      TIMEOUT,
    );

    it(
      "reports a tenant the credentials are not for as access denied (UnAuthorized), not as a crash",
      async () => {
        const t = newTenant();
        const { opts } = options(t, { connection: "managedIdentity" });
        const err = (await rejection(
          openExchangeSession({
            ...opts,
            settings: { ...opts.settings, organization: "fabrikam.onmicrosoft.com" },
          }),
        )) as ExchangeCmdletError;
        expect(err).toBeInstanceOf(ExchangeCmdletError);
        expect(err.kind).toBe("accessDenied");
        expect(err.message).toContain("UnAuthorized");
      },
      TIMEOUT,
    );

    it(
      "refuses an expired certificate with Entra's AADSTS700027, classed access denied",
      async () => {
        const t = newTenant();
        const err = (await rejection(
          openExchangeSession(options(t, certificate(makeCertificate({ expired: true }))).opts),
        )) as ExchangeCmdletError;
        expect(err.kind).toBe("accessDenied");
        expect(err.message).toMatch(
          /AADSTS700027: Client assertion contains an invalid signature\. \[Reason - The key used is expired\./,
        );
      },
      TIMEOUT,
    );

    it(
      "fails a wrong PFX password at connect, naming the problem without echoing the password or the PFX",
      async () => {
        const t = newTenant();
        const wrong = { ...cert, password: "not-the-Password-93" };
        const err = await rejection(openExchangeSession(options(t, certificate(wrong)).opts));
        expect(err.message).toMatch(
          /^Running Connect-ExchangeOnline on contoso\.onmicrosoft\.com: .*password/i,
        );
        for (const secret of [wrong.password, cert.password, cert.pfx.slice(0, 40)])
          expect(err.message).not.toContain(secret);
      },
      TIMEOUT,
    );

    it(
      "returns Exchange's warnings with the result and types a missing mailbox notFound with its code",
      async () => {
        const t = newTenant();
        const session = await openExchangeSession(options(t, { connection: "managedIdentity" }).opts);
        await session.invoke("New-ServicePrincipal", register(t));
        const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
        expect((await session.invoke("Add-MailboxPermission", grant)).warnings).toEqual([]);
        const again = await session.invoke("Add-MailboxPermission", grant);
        expect(again.result).toEqual([]);
        expect(again.warnings).toEqual([
          expect.stringMatching(
            /^The appropriate access control entry is already present on the object "CN=a,/,
          ),
        ]);
        const err = (await rejection(
          session.invoke("Get-MailboxPermission", { Identity: "ghost@contoso.com" }),
        )) as ExchangeCmdletError;
        expect(err).toMatchObject({ kind: "notFound", code: "Ex6F9304", cmdlet: "Get-MailboxPermission" });
        expect(err.fullyQualifiedErrorId).toMatch(
          /^\[Server=[^,]+,RequestId=[0-9a-f-]+,TimeStamp=.+\],Write-ErrorMessage$/,
        );
        await session.close();
      },
      TIMEOUT,
    );

    it(
      "keeps the module's warnings, Write-Host, information and console output off the protocol stream",
      async () => {
        const t = newTenant();
        const { opts, events } = options(t, { connection: "managedIdentity" }, { EXO_SIM_MODULE_NOISE: "1" });
        const session = await openExchangeSession(opts);
        const r = await session.invoke("Get-Mailbox", { Identity: "a@contoso.com" });
        expect(r.result).toHaveLength(1);
        // The module's Write-Warning arrives as a warning of the call, not as a line on stdout.
        expect(r.warnings).toEqual(["exo-sim noise: warning from Get-Mailbox"]);
        await session.close();
        expect(events.filter((e) => e.type === "ignoredOutput")).toEqual([]);
        expect(events.at(-1)).toEqual({ type: "closed", exitCode: 0 });
      },
      TIMEOUT,
    );

    it(
      "round-trips non-ASCII display names and addresses on a console whose encoding is Latin-1",
      async () => {
        const t = newTenant(["zoë.ærøskøbing@contoso.com"]);
        const latin1 = { LANG: "en_US.ISO-8859-1", LC_ALL: "en_US.ISO-8859-1" };
        const session = await openExchangeSession(options(t, { connection: "managedIdentity" }, latin1).opts);
        const name = "Zoë Ærøskøbing ✓ 日本 🚀";
        const sp = await session.invoke("New-ServicePrincipal", register(t, name));
        expect(sp.result[0].DisplayName).toBe(name);
        const all = await session.invoke("Get-ServicePrincipal", {});
        expect(all.result.map((o) => o.DisplayName)).toEqual([name]);
        const mb = await session.invoke("Get-Mailbox", { Identity: "zoë.ærøskøbing@contoso.com" });
        expect(mb.result[0].PrimarySmtpAddress).toBe("zoë.ærøskøbing@contoso.com");
        await session.close();
      },
      TIMEOUT,
    );
  },
);
