// `npm run exchange -- <command> --stack <name>` run by hand against a stack the offline engine
// deployed (the real index.ts, its Command run against the Exchange simulator), read through a fake
// `pulumi` on PATH (scripts/offline-tenant/pulumi-cli/) that answers from the stack's
// Pulumi.<stack>.yaml and the engine's saved state, as the real CLI answers from its backend.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { EXIT } from "../../scripts/cli/exit-codes";
import { pulumiJson, type RunPulumi } from "../../scripts/cli/pulumi";
import { readStackSource } from "../../scripts/exchange-driver/stack-source";
import type { RunResult } from "../../scripts/offline-tenant/harness/engine/engine";
import { ADMIN_TOKEN_ENV, offlineEngine } from "../../scripts/offline-tenant/harness/engine/offline";
import { FAKE_PWSH } from "../../scripts/offline-tenant/harness/sim-tenant";
import {
  FAKE_PULUMI_DIR,
  HOME_ENV,
  LOGGED_OUT_ENV,
  PASSPHRASE_ENV,
  fakePulumi,
  statePath,
  writeStackConfig,
} from "../../scripts/offline-tenant/pulumi-cli/fake-pulumi";
import { newTenantState, readState, updateState, writeState } from "../../scripts/offline-tenant/state";
import { runTool } from "../support/cli-process";
import { SECRETS } from "../support/driver-run";
import { baseConfig, STATED_LIFETIME, TENANT_ID } from "../support/program-harness";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const HELPDESK = "helpdesk@contoso.com";
const BILLING = "billing@contoso.com";
const DAY = "2026-04-01T06:00:00Z";

interface Deployed {
  home: string;
  stack: string;
  tenantPath: string;
  statsPath: string;
  passphrase: string;
  adminToken: string;
  run: RunResult;
  config: Record<string, unknown>;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A stack deployed once by the engine, its config written where the fake pulumi reads it. */
async function deploy(
  stack: string,
  config: Record<string, unknown>,
  secretKeys: string[] = [],
): Promise<Deployed> {
  const home = mkdtempSync(join(tmpdir(), "exo-stack-"));
  dirs.push(home);
  const tenantPath = join(home, "tenant.json");
  const statsPath = join(home, "stats.json");
  writeState(tenantPath, newTenantState({ tenantId: TENANT_ID, mailboxes: [HELPDESK, BILLING] }));
  const passphrase = randomBytes(12).toString("hex");
  const adminToken = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.admin-${randomBytes(24).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
  const engine = offlineEngine(
    { statePath: tenantPath, statsPath, adminToken },
    { statePath: statePath(home, stack), secretsPassphrase: passphrase, stack },
  );
  const run = await engine.up({ config, secretKeys, now: DAY });
  if (!run.ok) throw run.error;
  writeStackConfig(home, stack, config, { secretKeys, passphrase });
  return { home, stack, tenantPath, statsPath, passphrase, adminToken, run, config };
}

/** The operator's shell: the fake pulumi first on PATH, its passphrase, the admin token, the simulator's files. */
function operatorEnv(
  d: Deployed,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    PATH: [FAKE_PULUMI_DIR, process.env.PATH].join(delimiter),
    HOME: process.env.HOME,
    [HOME_ENV]: d.home,
    [PASSPHRASE_ENV]: d.passphrase,
    [ADMIN_TOKEN_ENV]: d.adminToken,
    EXO_SIM_STATE: d.tenantPath,
    EXO_SIM_STATS: d.statsPath,
    EXO_OAUTH_RETRY_BASE_MS: "5",
    ...extra,
  };
}

const exchange = (d: Deployed, args: string[], extra: Record<string, string | undefined> = {}) =>
  runTool("exchange", [...args, "--stack", d.stack], { env: operatorEnv(d, extra), timeoutMs: 120_000 });

/** The fake CLI in this process, for readStackSource. */
const inProcess =
  (d: Deployed): RunPulumi =>
  async (args, env) => ({ missing: false, ...fakePulumi(args, { ...env } as NodeJS.ProcessEnv, d.home) });

const accessTokenConfig = () =>
  baseConfig({
    secret: STATED_LIFETIME,
    mailboxes: [HELPDESK, { address: BILLING, sendAs: true }],
    exchange: { connection: "accessToken", accessTokenEnv: ADMIN_TOKEN_ENV, pwsh: FAKE_PWSH },
  });

describe("--stack: a deployed stack run by hand, everything read through the pulumi CLI", () => {
  let d: Deployed;
  beforeAll(async () => {
    d = await deploy("contoso", accessTokenConfig());
  });

  it("plan is in sync right after the deployment (exit 0), with the token from the operator's variable", async () => {
    const r = await exchange(d, ["plan"]);
    expect(r.stderr).not.toMatch(/^Error/m);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^In sync: service principal .* and 2 mailboxes match the config\.$/m);
    expect(r.stdout + r.stderr).not.toContain(d.adminToken);
  });

  it("finds a hand edit (exit 2), apply repairs it, plan is in sync again", async () => {
    const sid = readState(d.tenantPath).exchange.servicePrincipals[0].Sid;
    updateState(d.tenantPath, (s) => {
      const mb = s.exchange.mailboxes.find((m) => m.address === BILLING)!;
      mb.recipientPermissions = mb.recipientPermissions.filter((r) => r.TrusteeSidString !== sid);
    });
    const drift = await exchange(d, ["plan"]);
    expect(drift.code).toBe(EXIT.changes);
    expect(drift.stdout).toContain(`+ grant SendAs on ${BILLING}`);
    const repaired = await exchange(d, ["apply"]);
    expect(repaired.code).toBe(EXIT.ok);
    expect(JSON.parse(repaired.stdout).mailboxes).toContainEqual({
      address: BILLING,
      fullAccess: true,
      sendAs: true,
    });
    expect((await exchange(d, ["plan"])).code).toBe(EXIT.ok);
  });

  it("ignores stale EXO_OAUTH_* exports in the operator's shell, and says when EXO_OAUTH_PWSH overrides the stack", async () => {
    const r = await exchange(d, ["plan"], {
      [DRIVER_ENV.mailboxes]: '["someone@else.com"]',
      [DRIVER_ENV.appId]: "00000000-0000-4000-8000-000000000000",
      [DRIVER_ENV.pwsh]: "/nonexistent/pwsh",
    });
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toContain(
      "EXO_OAUTH_PWSH=/nonexistent/pwsh from your environment overrides the stack's pwsh",
    );
    expect(r.stderr).toContain(
      "not found at '/nonexistent/pwsh': install it or set exo-oauth:exchange.pwsh (EXO_OAUTH_PWSH for a hand run)",
    );
    expect(r.stderr).not.toContain("someone@else.com");
  });

  it("runbook --stack prints the runbook for the deployed desired state", async () => {
    const r = await exchange(d, ["runbook"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain(`$mailbox = '${BILLING}'`);
    expect(r.stdout).toContain("Connect-ExchangeOnline");
  });
});

describe("--stack builds exactly the environment the Exchange Command got", () => {
  it("certificate mode, the exchange config a Pulumi secret: same variables, same values", async () => {
    const config = baseConfig({
      secret: STATED_LIFETIME,
      mailboxes: ["Helpdesk@Contoso.com", { address: BILLING, sendAs: true }],
      exchange: {
        connection: "certificate",
        appId: "55555555-5555-4555-8555-555555555555",
        certificate: SECRETS.certificate,
        certificatePassword: SECRETS.certificatePassword,
        pwsh: FAKE_PWSH,
      },
    });
    const d = await deploy("tenant-a", config, ["exchange"]);
    const command = d.run.commandRuns.find((r) => r.script === "create")!;
    const source = await readStackSource(d.stack, {
      runPulumi: inProcess(d),
      env: operatorEnv(d),
      needsConnection: true,
    });
    const contract = (env: Record<string, string | undefined>) =>
      Object.fromEntries(
        Object.values(DRIVER_ENV)
          .filter((n) => n !== DRIVER_ENV.previousStdout && env[n] !== undefined)
          .map((n) => [n, env[n]]),
      );
    // The Command carries its mailbox list on stdin (EXO_OAUTH_MAILBOXES=stdin); --stack in the variable.
    expect(command.environment[DRIVER_ENV.mailboxes]).toBe("stdin");
    expect(contract(source.env)).toEqual(
      contract({ ...command.environment, [DRIVER_ENV.mailboxes]: command.stdin!.trim() }),
    );
    expect(Object.keys(contract(source.env))).toContain(DRIVER_ENV.certificatePassword);
    expect(source.previous).toEqual(JSON.parse(command.stdout));
    expect(source.secrets).toEqual(
      expect.arrayContaining([SECRETS.certificate, SECRETS.certificatePassword]),
    );
  });

  it("a stack updated before displayName/organization were outputs: taken from its config, with a note", async () => {
    const d = await deploy("older", accessTokenConfig());
    const older: RunPulumi = async (args, env) => {
      const r = fakePulumi(args, { ...env } as NodeJS.ProcessEnv, d.home);
      if (!args.includes("output")) return { missing: false, ...r };
      const { displayName: _d, organization: _o, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
      return { missing: false, ...r, stdout: JSON.stringify(rest) };
    };
    const source = await readStackSource(d.stack, {
      runPulumi: older,
      env: operatorEnv(d),
      needsConnection: true,
    });
    const command = d.run.commandRuns[0].environment;
    expect(source.env[DRIVER_ENV.displayName]).toBe(command[DRIVER_ENV.displayName]);
    expect(source.env[DRIVER_ENV.organization]).toBe(command[DRIVER_ENV.organization]);
    expect(source.notices).toContain(
      'stack "older" has no displayName, organization output (updated by an older version): taken from its config',
    );
  });
});

describe.concurrent("--stack fails clearly, before anything is touched (exit 78)", () => {
  let d: Deployed;
  beforeAll(async () => {
    d = await deploy("prod", accessTokenConfig());
  });

  it("without a pulumi CLI on PATH", async () => {
    const r = await exchange(d, ["plan"], { PATH: dirname(process.execPath) });
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain('Error: Reading the config of stack "prod": the pulumi CLI is not on PATH.');
    expect(r.stderr).toContain("Run the Exchange step by hand");
  });

  it("with a CLI that is not logged in: its stderr quoted, and what to do", async () => {
    const r = await exchange(d, ["plan"], { [LOGGED_OUT_ENV]: "1" });
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain(
      "`pulumi config --stack prod --json --show-secrets` failed (exit 255): error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions. Log in first (`pulumi login`",
    );
  });

  it("without the stack's passphrase, or for a stack that does not exist", async () => {
    const noPassphrase = await exchange(d, ["plan"], { [PASSPHRASE_ENV]: undefined });
    expect(noPassphrase.code).toBe(EXIT.input);
    expect(noPassphrase.stderr).toContain("Set PULUMI_CONFIG_PASSPHRASE");
    const r = await runTool("exchange", ["plan", "--stack", "prd"], { env: operatorEnv(d) });
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain("error: no stack named 'prd' found. Check the stack's name");
  });

  it("--json: the failure is the one document on stdout", async () => {
    const r = await exchange(d, ["plan", "--json"], { [LOGGED_OUT_ENV]: "1" });
    expect(r.code).toBe(EXIT.input);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { kind: string; message: string } };
    expect(doc).toMatchObject({ ok: false, error: { kind: "input" } });
    expect(doc.error.message).toContain("PULUMI_ACCESS_TOKEN must be set");
  });

  it("quotes the CLI's stderr redacted: a token in it is masked", async () => {
    const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"aud":"x"}').toString("base64url")}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
    const leaky: RunPulumi = async () => ({
      missing: false,
      code: 255,
      stdout: "",
      stderr: `error: bad token ${token}\n`,
    });
    const err = await pulumiJson(leaky, ["config"], { env: {}, stack: "prod", what: "the config" }).catch(
      (e: Error) => e,
    );
    expect(String((err as Error).message)).toContain("error: bad token [redacted]");
    expect(String((err as Error).message)).not.toContain(token.split(".")[0] + ".");
  });
});

describe("--stack on stacks the driver cannot run for", () => {
  it("a manual stack: plan says to use the runbook (exit 78); runbook --stack works", async () => {
    const d = await deploy(
      "manual",
      baseConfig({
        secret: STATED_LIFETIME,
        mailboxes: [HELPDESK],
        exchange: { connection: "manual" },
      }),
    );
    const plan = await exchange(d, ["plan"]);
    expect(plan.code).toBe(EXIT.input);
    expect(plan.stderr).toContain('exo-oauth:exchange.connection is "manual" in stack "manual"');
    expect(plan.stderr).toContain("npm run exchange -- runbook --stack manual");
    const runbook = await exchange(d, ["runbook"]);
    expect(runbook.code).toBe(EXIT.ok);
    expect(runbook.stdout).toContain(`$mailbox = '${HELPDESK}'`);
  });

  it("a stack with no outputs (its first pulumi up failed): names the outputs and the variables to set instead", async () => {
    const home = mkdtempSync(join(tmpdir(), "exo-stack-"));
    dirs.push(home);
    const passphrase = "p";
    writeStackConfig(home, "new", accessTokenConfig(), { passphrase });
    const r = await runTool("exchange", ["remove", "--stack", "new"], {
      env: {
        PATH: [FAKE_PULUMI_DIR, process.env.PATH].join(delimiter),
        [HOME_ENV]: home,
        [PASSPHRASE_ENV]: passphrase,
      },
    });
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain('stack "new" has no clientId or servicePrincipalObjectId output');
    expect(r.stderr).toContain(`${DRIVER_ENV.appId} and ${DRIVER_ENV.servicePrincipalObjectId}`);
  });
});
