// Secrets travel only in the pwsh process's environment: never argv, never the JSON stream,
// never anything the session or the simulator writes or throws.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  SECRET_ENV,
  openExchangeSession,
  type ExchangeConnectionSettings,
  type SessionEvent,
} from "../../scripts/exchange-driver/session";
import { startRunBudget } from "../../scripts/exchange-driver/budget";
import { REDACTED } from "../../components/redact";
import { FAKE_PWSH, ORG, newTenant, type Tenant } from "../support/simulator";

const CERT = Buffer.from("-----PFX-----\nsecret-pkcs12-bytes-7f3a9c\n").toString("base64");
// No English word of 8 letters in it: any 8-character fragment of a secret is masked (components/redact.ts).
const PASSWORD = "pfx-pw-5Gq2Vw-k9";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.token-body-Xk29qL.sig-Pp81";

/** A pwsh stand-in that records argv, env, stdin, stdout and stderr around the fake-pwsh. */
function recordingPwsh(t: Tenant): string {
  const path = join(t.dir, "recording-pwsh");
  writeFileSync(
    path,
    `#!/bin/sh
d='${t.dir}'
printf '%s\\n' "$@" > "$d/argv"
env > "$d/env"
tee "$d/stdin" | '${FAKE_PWSH}' "$@" 2>"$d/stderr" | tee "$d/stdout"
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** Certificate-mode settings for our app, with `pwsh` as the PowerShell. */
function certificateSettings(t: Tenant, pwsh: string): ExchangeConnectionSettings {
  return {
    connection: "certificate",
    automationAppId: t.app.clientId,
    certificate: CERT,
    certificatePassword: PASSWORD,
    pwsh,
    retryDeadlineSeconds: 30,
    organization: ORG,
  };
}

async function exercise(t: Tenant, settings: ExchangeConnectionSettings, env: NodeJS.ProcessEnv) {
  const events: SessionEvent[] = [];
  const errors: unknown[] = [];
  const session = await openExchangeSession({
    settings,
    env: {
      ...process.env,
      EXO_SIM_STATE: t.statePath,
      EXO_SIM_FAULTS: '{"throttleFirst":1}',
      ...env,
    },
    onEvent: (e) => events.push(e),
    // A budget the session start under load cannot spend: the retry is what is measured.
    budget: startRunBudget({ deadlineSeconds: 60, baseDelayMs: 1 }),
  });
  const results = [];
  results.push(
    await session.invoke("New-ServicePrincipal", { AppId: t.app.clientId, ObjectId: t.app.spObjectId }),
  );
  const grant = { Identity: "a@contoso.com", User: t.app.spObjectId, AccessRights: ["FullAccess"] };
  results.push(await session.invoke("Add-MailboxPermission", grant));
  results.push(await session.invoke("Add-MailboxPermission", grant));
  await session
    .invoke("Get-MailboxPermission", { Identity: "ghost@contoso.com" })
    .catch((e: unknown) => errors.push(e));
  await session
    .invoke("Remove-ServicePrincipal", { Identity: "ghost", Confirm: false })
    .catch((e: unknown) => errors.push(e));
  await session.close();
  return { events, errors, results };
}

function everything(t: Tenant, run: Awaited<ReturnType<typeof exercise>>): string {
  const files = ["argv", "stdin", "stdout", "stderr"].map((f) => readFileSync(join(t.dir, f), "utf8"));
  const errs = run.errors.map((e) => `${String((e as Error).stack)} ${JSON.stringify(e)}`);
  return [
    ...files,
    JSON.stringify(run.events),
    JSON.stringify(run.results),
    ...errs,
    readFileSync(t.statePath, "utf8"),
  ].join("\n");
}

describe("secrets on the PowerShell boundary", () => {
  it("passes the certificate and its password only in the environment, and nothing written or thrown contains them", async () => {
    const t = newTenant();
    const run = await exercise(
      t,
      {
        connection: "certificate",
        automationAppId: t.app.clientId,
        certificate: CERT,
        certificatePassword: PASSWORD,
        pwsh: recordingPwsh(t),
        retryDeadlineSeconds: 30,
        organization: ORG,
      },
      {},
    );
    expect(run.errors).toHaveLength(2); // the scan covers error paths too
    expect(run.events.filter((e) => e.type === "retry")).toHaveLength(1);
    const env = readFileSync(join(t.dir, "env"), "utf8");
    expect(env).toContain(`${SECRET_ENV.certificate}=${CERT}`);
    expect(env).toContain(`${SECRET_ENV.certificatePassword}=${PASSWORD}`);
    const text = everything(t, run);
    for (const secret of [CERT, PASSWORD]) expect(text).not.toContain(secret);
  });

  it("moves the access token from the user's variable to EXO_OAUTH_ACCESS_TOKEN and leaks it nowhere", async () => {
    const t = newTenant();
    const run = await exercise(
      t,
      {
        connection: "accessToken",
        accessTokenEnv: "MY_EXO_TOKEN",
        pwsh: recordingPwsh(t),
        retryDeadlineSeconds: 30,
        organization: ORG,
      },
      { MY_EXO_TOKEN: TOKEN, [SECRET_ENV.certificate]: "stale-cert-from-parent-env" },
    );
    const env = readFileSync(join(t.dir, "env"), "utf8");
    expect(env).toContain(`${SECRET_ENV.accessToken}=${TOKEN}`);
    expect(env).not.toContain("MY_EXO_TOKEN=");
    expect(env).not.toContain("stale-cert-from-parent-env");
    expect(everything(t, run)).not.toContain(TOKEN);
  });

  it("redacts secrets that a misbehaving PowerShell echoes into an error, a warning or its stderr", async () => {
    const t = newTenant();
    const hostile = join(t.dir, "hostile-pwsh");
    writeFileSync(
      hostile,
      `#!/bin/sh
read line
echo "cert $EXO_OAUTH_CERTIFICATE pw $EXO_OAUTH_CERTIFICATE_PASSWORD" >&2
echo '{"id":1,"ok":false,"error":{"message":"bad password '"$EXO_OAUTH_CERTIFICATE_PASSWORD"' for '"$EXO_OAUTH_CERTIFICATE"'","category":"NotSpecified","fullyQualifiedErrorId":"x '"$EXO_OAUTH_CERTIFICATE_PASSWORD"'","exceptionType":"System.Exception"},"warnings":["w '"$EXO_OAUTH_CERTIFICATE_PASSWORD"'"]}'
`,
    );
    chmodSync(hostile, 0o755);
    const settings = certificateSettings(t, hostile);
    const err = await openExchangeSession({ settings }).catch((e: unknown) => e as Error);
    const text = `${String((err as Error).stack)} ${JSON.stringify(err)}`;
    expect(text).toContain(`bad password ${REDACTED} for ${REDACTED}`);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(CERT);

    // Same, when the process dies and its stderr is quoted.
    writeFileSync(
      hostile,
      `#!/bin/sh\nread line\necho "cert $EXO_OAUTH_CERTIFICATE pw $EXO_OAUTH_CERTIFICATE_PASSWORD" >&2\nexit 3\n`,
    );
    const died = (await openExchangeSession({ settings }).catch((e: unknown) => e)) as Error;
    expect(died.message).toMatch(
      /ended \(exit code 3\) without answering; its last error output:\ncert \[redacted\] pw \[redacted\]$/,
    );
  });

  it("redacts a long stderr BEFORE cutting its tail, so a secret at the cut is never left half-shown", async () => {
    const t = newTenant();
    const hostile = join(t.dir, "long-stderr-pwsh");
    // Noise after the certificate's base64 so that the 4000-character tail begins 8 characters
    // before its end: cut first, those 8 would be shown (too short for a fragment match).
    writeFileSync(
      hostile,
      `#!/bin/sh\nread line\nhead -c 1000 /dev/zero | tr '\\0' 'x' >&2\nprintf '%s' "$EXO_OAUTH_CERTIFICATE" >&2\nhead -c ${4000 - 8} /dev/zero | tr '\\0' 'y' >&2\nexit 3\n`,
    );
    chmodSync(hostile, 0o755);
    const died = (await openExchangeSession({ settings: certificateSettings(t, hostile) }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(died.message).toMatch(/ended \(exit code 3\) without answering; its last error output:\n/);
    expect(died.message).toMatch(/y{3000}$/); // the tail is there
    expect(died.message).not.toContain(CERT.slice(-8));
    for (let i = 0; i + 12 <= CERT.length; i++) expect(died.message).not.toContain(CERT.slice(i, i + 12));
  });
});
