// A replayed or crafted record, and a hand-run removal with nothing that proves what is ours
// (issue #14, items 5 and 6), against the Exchange simulator in-process on a virtual clock.
import { describe, expect, it } from "vitest";
import { RECORD_SCHEMA } from "../../components/exchange-step/record";
import { updateState } from "../../scripts/offline-tenant/state";
import { APP, newSimTenant, ours, runInProcess, settingsFor, type SimTenant } from "../support/driver-run";

const A = "ceo@contoso.com";
const B = "hr@contoso.com";
const OTHER = {
  clientId: "77777777-7777-4777-8777-777777777777",
  spObjectId: "88888888-8888-4888-8888-888888888888",
  displayName: "another team's app",
};
const STRANGER_OBJECT_ID = "99999999-9999-4999-8999-999999999999";

const record = (
  mailboxes: { address: string; fullAccess: boolean; sendAs: boolean }[],
  objectId = APP.spObjectId,
) =>
  JSON.stringify({
    schema: RECORD_SCHEMA,
    appId: APP.clientId,
    servicePrincipal: { objectId, sid: "S-1-5-21-1-2-3-4001", displayName: APP.displayName },
    mailboxes,
  });

/** A tenant where our apply granted A and B, and another application is registered in Entra and Exchange. */
async function granted(): Promise<{ t: SimTenant; stdout: string }> {
  const t = newSimTenant([A, B], (s) => {
    s.entra.applications.push({
      objectId: "66666666-6666-4666-8666-666666666666",
      clientId: OTHER.clientId,
      displayName: OTHER.displayName,
    });
    s.entra.servicePrincipals.push({
      objectId: OTHER.spObjectId,
      clientId: OTHER.clientId,
      displayName: OTHER.displayName,
    });
  });
  const applied = await runInProcess("apply", { tenant: t, settings: settingsFor([A, B]) });
  expect(applied.code).toBe(0);
  const other = await runInProcess("apply", {
    tenant: t,
    settings: settingsFor([A], {
      appId: OTHER.clientId,
      servicePrincipalObjectId: OTHER.spObjectId,
      displayName: OTHER.displayName,
    }),
  });
  expect(other.stderr).not.toMatch(/^Error/m);
  expect(other.code).toBe(0);
  return { t, stdout: applied.stdout };
}

const exchangeSps = (t: SimTenant) =>
  updateState(t.statePath, (s) => s.exchange.servicePrincipals.map((p) => p.ObjectId).sort());

describe("a replayed record", () => {
  it.each([
    ["an alias", "CEO", "is not an email address: no local part and domain around one @"],
    [
      "a distinguished name",
      "CN=hr,OU=contoso.onmicrosoft.com,DC=prod",
      "is not an email address: no local part and domain around one @",
    ],
    ["an address in capitals", "HR@contoso.com", "is not written as the driver writes it (lower case"],
  ])(
    "naming a configured mailbox by %s is refused with exit 78, naming the entry, and nothing is revoked",
    async (_what, address, reason) => {
      const { t } = await granted();
      const r = await runInProcess("apply", {
        tenant: t,
        settings: settingsFor([A, B]),
        previousStdout: record([{ address, fullAccess: true, sendAs: false }]),
      });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain(`mailboxes[0].address ${JSON.stringify(address)} is not `);
      expect(r.stderr).toContain(reason);
      expect(ours(t).fullAccess).toEqual([A, B]);
    },
  );

  it("claiming the ObjectId of a principal the stack never registered makes apply stop and remove leave it alone", async () => {
    const { t, stdout } = await granted();
    // Exchange's registration for our AppId now carries another object id (someone re-registered it).
    updateState(t.statePath, (s) => {
      const sp = s.exchange.servicePrincipals.find((p) => p.AppId === APP.clientId)!;
      sp.ObjectId = sp.Identity = STRANGER_OBJECT_ID;
    });
    const claimed = JSON.parse(stdout) as { servicePrincipal: { objectId: string } };
    claimed.servicePrincipal.objectId = STRANGER_OBJECT_ID;
    const forged = JSON.stringify(claimed);

    const applied = await runInProcess("apply", {
      tenant: t,
      settings: settingsFor([A, B]),
      previousStdout: forged,
    });
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(
      `the previous record names service principal ${STRANGER_OBJECT_ID}, but the config's is ${APP.spObjectId}`,
    );
    expect(applied.stderr).toContain(`with ObjectId ${STRANGER_OBJECT_ID}`);
    expect(applied.stderr).toContain("It was not registered by this stack, so it is left alone");
    expect(exchangeSps(t)).toContain(STRANGER_OBJECT_ID);

    const removed = await runInProcess("remove", {
      tenant: t,
      settings: settingsFor([A, B]),
      previousStdout: forged,
    });
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(
      `carries ObjectId ${STRANGER_OBJECT_ID}, which this stack did not register: left alone`,
    );
    expect(removed.stderr).not.toContain(`Removing service principal ${STRANGER_OBJECT_ID}`);
    expect(exchangeSps(t)).toContain(STRANGER_OBJECT_ID);
  });
});

describe("a hand-run remove without a record", () => {
  const otherSettings = () =>
    settingsFor([A], {
      appId: OTHER.clientId,
      servicePrincipalObjectId: OTHER.spObjectId,
      displayName: OTHER.displayName,
    });

  it("with another application's ids stops with exit 78, saying what it would delete and the flag, and touches nothing", async () => {
    const { t } = await granted();
    const before = exchangeSps(t);
    const r = await runInProcess("remove", { tenant: t, settings: otherSettings() });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("Removing without a previous record");
    expect(r.stderr).toContain(
      `remove the Exchange service principal for AppId ${OTHER.clientId} with ObjectId ${OTHER.spObjectId}`,
    );
    expect(r.stderr).toContain(`revoke FullAccess on ${A} from ${OTHER.spObjectId}`);
    expect(r.stderr).toContain("--force-without-record");
    expect(exchangeSps(t)).toEqual(before);
  });

  it("goes on with --force-without-record, and leaves this stack's grants alone", async () => {
    const { t } = await granted();
    const forced = await runInProcess("remove --force-without-record", {
      tenant: t,
      settings: otherSettings(),
    });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain("--force-without-record: going on");
    expect(exchangeSps(t)).not.toContain(OTHER.spObjectId);
    expect(ours(t).fullAccess).toEqual([A, B]);
  });
});
