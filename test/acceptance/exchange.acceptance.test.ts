// Live acceptance test of the Exchange step against a REAL tenant. Skipped unless enabled:
//
//   EXO_OAUTH_ACC=1                      turn it on
//   EXO_OAUTH_ACC_MAILBOX=<address>      a test mailbox the run may grant and revoke
//   + the driver's environment (components/exchange-step/environment.ts) for a DEDICATED test application:
//   EXO_OAUTH_APP_ID, EXO_OAUTH_SP_OBJECT_ID, EXO_OAUTH_DISPLAY_NAME, EXO_OAUTH_ORGANIZATION,
//   EXO_OAUTH_CONNECTION (+ EXO_OAUTH_CONNECT_APP_ID / EXO_OAUTH_CERTIFICATE[_PASSWORD], or
//   EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID, or EXO_OAUTH_ACCESS_TOKEN_ENV and that variable),
//   EXO_OAUTH_PWSH (default pwsh). EXO_OAUTH_MAILBOXES is set by the test.
//
// It registers the test application's service principal in Exchange, grants the mailbox,
// checks plan says "in sync" and that a second apply writes nothing, then removes everything
// it did. Run: EXO_OAUTH_ACC=1 … npm run test:acceptance
import { describe, expect, it } from "vitest";
import { runDriver } from "../../scripts/exchange-driver/cli";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { parseRecord } from "../../components/exchange-step/record";

const REQUIRED = [
  "EXO_OAUTH_ACC_MAILBOX",
  DRIVER_ENV.appId,
  DRIVER_ENV.servicePrincipalObjectId,
  DRIVER_ENV.displayName,
  DRIVER_ENV.organization,
  DRIVER_ENV.connection,
];
const missing = REQUIRED.filter((k) => !process.env[k]);
const enabled = process.env.EXO_OAUTH_ACC === "1" && missing.length === 0;
const reason = process.env.EXO_OAUTH_ACC !== "1" ? "EXO_OAUTH_ACC is not 1" : `missing ${missing.join(", ")}`;

if (!enabled)
  console.info(
    `exchange acceptance test SKIPPED: ${reason} (see docs/development.md, "The live acceptance test")`,
  );

const WRITES = /^(New|Add|Remove|Set)-/;

async function drive(command: string, previous?: string) {
  let stdout = "";
  let stderr = "";
  const mailbox = String(process.env.EXO_OAUTH_ACC_MAILBOX).toLowerCase();
  const run = await runDriver([command], {
    env: {
      ...process.env,
      [DRIVER_ENV.mailboxes]: JSON.stringify([{ address: mailbox, sendAs: false }]),
      ...(previous !== undefined ? { [DRIVER_ENV.previousStdout]: previous } : {}),
    },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  const writes = Object.entries(run.counters?.cmdlets ?? {})
    .filter(([k]) => WRITES.test(k))
    .reduce((n, [, v]) => n + v, 0);
  return { ...run, stdout, stderr, writes };
}

describe.skipIf(!enabled)(
  `the Exchange step against a live tenant (SKIPPED unless enabled: ${reason})`,
  () => {
    it(
      "applies, is in sync, re-applies with zero writes, and removes what it did",
      async () => {
        const applied = await drive("apply");
        expect(applied.code, applied.stderr).toBe(0);
        const record = parseRecord(applied.stdout)!;
        expect(record.servicePrincipal?.objectId.toLowerCase()).toBe(
          String(process.env[DRIVER_ENV.servicePrincipalObjectId]).toLowerCase(),
        );
        expect(record.mailboxes).toHaveLength(1);

        const plan = await drive("plan", applied.stdout);
        expect(plan.code, plan.stdout + plan.stderr).toBe(0);

        const again = await drive("apply", applied.stdout);
        expect(again.code, again.stderr).toBe(0);
        expect(again.writes).toBe(0);
        expect(again.counters?.sessions).toBe(1);

        const removed = await drive("remove", again.stdout);
        expect(removed.code, removed.stderr).toBe(0);
        expect(parseRecord(removed.stdout)).toMatchObject({ servicePrincipal: null, mailboxes: [] });

        // After removal the config's grant is missing again: plan reports drift (exit 2).
        const after = await drive("plan", removed.stdout);
        expect(after.code).toBe(2);
      },
      20 * 60_000,
    );
  },
);
