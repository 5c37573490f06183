// A small offline tenant for the mail-peer and login tests: one app whose service principal is
// registered in Exchange and granted FullAccess on one mailbox, plus tokens shaped like Entra's.
// The tenant itself comes from the one fixture builder (support/tenant.ts).
import { randomUUID } from "node:crypto";
import { OUTLOOK_AUDIENCE, PROTOCOL_ROLE } from "../../components/microsoft";
import {
  createSigningKey,
  publicJwks,
  signAccessToken,
  type SigningKey,
} from "../../scripts/offline-tenant/entra/signing-key";
import { afterAll, beforeAll } from "vitest";
import { startMailPeers, type MailPeers } from "../../scripts/offline-tenant/mail-peers";
import {
  newSid,
  updateState,
  type RecipientPermissionRow,
  type TenantState,
} from "../../scripts/offline-tenant/state";
import { grantFullAccess, tenantFixture, tenantState } from "./tenant";

export const GRANTED = "shared@contoso.com";
export const NOT_GRANTED = "other@contoso.com";
export const IMAP_OFF = "noimap@contoso.com";
export const POP_OFF = "nopop@contoso.com";
export const SMTP_OFF = "nosmtp@contoso.com";
export const SENDAS = "sales@contoso.com";

export interface Fixture {
  dir: string;
  statePath: string;
  state: TenantState;
  key: SigningKey;
  /** A second key the peers don't know: tokens signed with it have a bad signature. */
  otherKey: SigningKey;
  jwks: ReturnType<typeof publicJwks>;
  tenantId: string;
  /** The app's Entra SP object id (the token's oid), registered in Exchange. */
  spObjectId: string;
  spSid: string;
  appId: string;
  token(over?: Record<string, unknown>, key?: SigningKey): Promise<string>;
  /** Grants FullAccess on `mailbox` to the SP, in the state file (as Add-MailboxPermission would). */
  grant(mailbox: string): void;
  /** Removes the fixture's temporary directory. */
  dispose(): void;
}

export async function createFixture(): Promise<Fixture> {
  const state = tenantState({ mailboxes: [GRANTED, NOT_GRANTED, IMAP_OFF, POP_OFF, SMTP_OFF, SENDAS] });
  const spObjectId = randomUUID();
  const appId = randomUUID();
  const spSid = newSid(state.tenantId, 4001);
  state.exchange.servicePrincipals.push({
    AppId: appId,
    ObjectId: randomUUID(),
    Identity: spObjectId,
    DisplayName: "exo-oauth-test",
    Name: spObjectId,
    Sid: spSid,
  });
  for (const m of state.exchange.mailboxes) {
    if (m.address === IMAP_OFF) m.ImapEnabled = false;
    if (m.address === POP_OFF) m.PopEnabled = false;
    if (m.address === SMTP_OFF) m.SmtpClientAuthenticationDisabled = true;
  }
  const { dir, statePath, cleanup } = tenantFixture({ state, prefix: "exo-oauth-mail-test-" });
  const key = await createSigningKey();
  const otherKey = await createSigningKey();
  const fixture: Fixture = {
    dir,
    statePath,
    state,
    key,
    otherKey,
    jwks: publicJwks(key),
    tenantId: state.tenantId,
    spObjectId,
    spSid,
    appId,
    token: async (over = {}, signWith = key) => {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        aud: OUTLOOK_AUDIENCE,
        iss: `https://sts.windows.net/${state.tenantId}/`,
        iat: now - 60,
        nbf: now - 60,
        exp: now + 3600,
        tid: state.tenantId,
        appid: appId,
        appidacr: "1",
        idtyp: "app",
        oid: spObjectId,
        sub: spObjectId,
        roles: Object.values(PROTOCOL_ROLE),
        ver: "1.0",
        ...over,
      };
      for (const [k, v] of Object.entries(claims))
        if (v === undefined) delete (claims as Record<string, unknown>)[k];
      // Another key under the same kid: the header names a known key, the signature cannot verify.
      return signAccessToken(signWith === key ? key : { ...signWith, kid: key.kid }, claims);
    },
    dispose: cleanup,
    grant: (mailbox) => updateState(statePath, (s) => grantFullAccess(s, mailbox, spSid)),
  };
  fixture.grant(GRANTED);
  fixture.grant(IMAP_OFF);
  fixture.grant(POP_OFF);
  fixture.grant(SMTP_OFF);
  return fixture;
}

/** The row Add-RecipientPermission -Identity <mailbox> -Trustee <the fixture's SP> -AccessRights SendAs adds. */
export function sendAsRow(mailbox: string, spSid: string): RecipientPermissionRow {
  return {
    Identity: mailbox.split("@")[0],
    Trustee: "exo-oauth-test",
    TrusteeSidString: spSid,
    AccessControlType: "Allow",
    AccessRights: ["SendAs"],
    IsInherited: false,
    InheritanceType: "None",
  };
}

/**
 * A fixture and the mail peers (Dovecot + SMTP) on it for the enclosing describe: started in
 * beforeAll, stopped in afterAll. Read `.f` and `.peers` inside the tests.
 */
export function useMailPeers(): { readonly f: Fixture; readonly peers: MailPeers } {
  const ctx = {} as { f: Fixture; peers: MailPeers };
  beforeAll(async () => {
    ctx.f = await createFixture();
    ctx.peers = await startMailPeers({ statePath: ctx.f.statePath, jwks: ctx.f.jwks });
  });
  afterAll(async () => {
    await ctx.peers?.stop();
    ctx.f?.dispose();
  });
  return ctx;
}
