// verify's certificate forms: PEM (certificate + key) and PFX (raw or base64, with its password
// in the environment), each refusal said once with what fixes it, by the config's rule for the
// base64 form.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CERTIFICATE_RULE } from "../../../components/exchange-step/rules";
import { createClientCertificate } from "../../../scripts/offline-tenant/tls";
import {
  loadCertificate,
  opensslPfxToPem,
  type ConvertPfx,
} from "../../../scripts/operator/verify/certificate";
import { runVerify, type VerifyDeps } from "../../../scripts/operator/verify/run";

const cert = createClientCertificate();
const other = createClientCertificate("someone-else");
const PASSWORD = "Pfx-pass-9f3c";
const ENV = "EXO_OAUTH_CERTIFICATE_PASSWORD";

function pfx(password: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-pfx-"));
  try {
    writeFileSync(join(dir, "app.pem"), cert.pem);
    const r = spawnSync("openssl", ["pkcs12", "-export", "-in", join(dir, "app.pem"), "-passout", "env:P"], {
      env: { PATH: process.env.PATH, P: password },
    });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const load = (bytes: Buffer, password?: string, convert?: ConvertPfx) =>
  loadCertificate("/keys/app", bytes, { value: password, env: ENV }, convert);

describe("a PEM certificate", () => {
  it("is used as it is when it holds the certificate and its key", () => {
    const r = load(Buffer.from(cert.pem));
    expect(r).toMatchObject({ ok: true, form: "pem" });
    if (r.ok) expect(r.pem).toContain("PRIVATE KEY-----");
  });

  it("without its key: says the key is missing and how to add it", () => {
    expect(load(Buffer.from(cert.certPem))).toEqual({
      ok: false,
      kind: "input",
      problem:
        "--certificate /keys/app holds the certificate but not its private key, which signs the client assertion: put both in one file (`cat app-cert.pem app-key.pem > app.pem`), or from the PFX: `openssl pkcs12 -in app.pfx -nodes -out app.pem`",
    });
  });

  it("with another certificate's key: says they do not match", () => {
    const r = load(Buffer.from(cert.certPem + other.keyPem));
    expect(r).toMatchObject({ ok: false, kind: "input" });
    if (!r.ok) expect(r.problem).toContain("holds a private key that is not the certificate's");
  });

  it("with an encrypted key: says so and how to write it unencrypted", () => {
    const encrypted = spawnSync("openssl", ["pkey", "-aes256", "-passout", "pass:x"], { input: cert.keyPem });
    const r = load(Buffer.concat([Buffer.from(cert.certPem), encrypted.stdout]));
    expect(r).toMatchObject({ ok: false, kind: "input" });
    if (!r.ok) expect(r.problem).toMatch(/holds an encrypted private key.*openssl pkey -in/);
  });
});

describe("a PFX", () => {
  it("raw, with its password in the environment: read with openssl into the certificate and its key", () => {
    const r = load(pfx(PASSWORD), PASSWORD);
    expect(r).toMatchObject({ ok: true, form: "pfx" });
    if (r.ok) {
      expect(r.pem).toContain(cert.certPem.trim());
      expect(r.pem).toMatch(/-----BEGIN PRIVATE KEY-----/);
    }
  });

  it("base64, as the stack holds it: read the same way", () => {
    expect(load(Buffer.from(pfx(PASSWORD).toString("base64")), PASSWORD)).toMatchObject({ ok: true });
  });

  it("base64 that is not a PFX: refused with the config's own rule and words", () => {
    const text = Buffer.from("not a pfx at all, just text").toString("base64");
    expect(load(Buffer.from(text))).toEqual({
      ok: false,
      kind: "input",
      problem: `--certificate /keys/app ${CERTIFICATE_RULE.check(text)}`,
    });
    expect(CERTIFICATE_RULE.check(text)).toMatch(
      /^does not decode to a PFX \(PKCS#12\) file: expected a base64-encoded PFX/,
    );
  });

  it("with a wrong password, or none set: names the variable, never the password", () => {
    const wrong = load(pfx(PASSWORD), "not-it");
    expect(wrong).toEqual({
      ok: false,
      kind: "input",
      problem: `--certificate /keys/app is a PFX, and the password in $${ENV} does not open it`,
    });
    expect(JSON.stringify(wrong)).not.toContain("not-it");
    const unset = load(pfx(PASSWORD));
    if (!unset.ok)
      expect(unset.problem).toMatch(
        /is a PFX protected by a password: put the password in \$EXO_OAUTH_CERTIFICATE_PASSWORD/,
      );
  });

  it("where openssl is missing: a usage problem with the conversion command", () => {
    const r = load(pfx(PASSWORD), PASSWORD, () => ({ ok: false, reason: "no-openssl", message: "" }));
    expect(r).toEqual({
      ok: false,
      kind: "usage",
      problem:
        "--certificate /keys/app is a PFX (PKCS#12); verify reads a PFX with openssl, which is not installed here: convert it once with `openssl pkcs12 -in /keys/app -nodes -out app.pem (add -legacy for a PFX made by older Windows tools)` and pass --certificate app.pem",
    });
  });

  it("opensslPfxToPem keeps the password out of openssl's command line", () => {
    expect(opensslPfxToPem(pfx(PASSWORD), PASSWORD)).toMatchObject({ ok: true });
  });
});

describe("verify with a certificate it cannot use", () => {
  const TENANT = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
  const CLIENT = "22222222-2222-4222-8222-222222222222";
  const run = async (bytes: Buffer, over: Partial<VerifyDeps> = {}) => {
    const stderr: string[] = [];
    let tokens = 0;
    const { exitCode } = await runVerify(
      [
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--mailbox",
        "helpdesk@contoso.com",
        "--certificate",
        "/keys/app",
      ],
      {
        env: {},
        acquireToken: async () => {
          tokens++;
          return { ok: false, failure: { kind: "other", message: "unused" }, ms: 0 };
        },
        logins: {} as VerifyDeps["logins"],
        readStackOutputs: async () => ({ ok: false, reason: "no-cli", message: "" }),
        readFile: () => bytes.toString("utf8"),
        readFileBytes: () => bytes,
        stdout: () => undefined,
        stderr: (s) => stderr.push(s),
        ...over,
      },
    );
    return { exitCode, stderr: stderr.join(""), tokens };
  };

  it("a PFX where openssl is missing exits 64 (usage), with the conversion, before asking for a token", async () => {
    const r = await run(pfx(PASSWORD), {
      convertPfx: () => ({ ok: false, reason: "no-openssl", message: "" }),
    });
    expect(r.exitCode).toBe(64);
    expect(r.tokens).toBe(0);
    expect(r.stderr).toContain("openssl pkcs12 -in /keys/app -nodes -out app.pem");
  });

  it("a PEM without its key exits 78 naming the missing key, never 'network access', never 'No token' twice", async () => {
    const r = await run(Buffer.from(cert.certPem));
    expect(r.exitCode).toBe(78);
    expect(r.tokens).toBe(0);
    expect(r.stderr).toContain("holds the certificate but not its private key");
    expect(r.stderr).not.toMatch(/network access/);
    expect(r.stderr).not.toMatch(/No token/);
  });

  it("says 'No token:' once per line when the token fails", async () => {
    const stderr: string[] = [];
    await runVerify(["--tenant", TENANT, "--client-id", CLIENT, "--mailbox", "helpdesk@contoso.com"], {
      env: { EXO_OAUTH_CLIENT_SECRET: "a-secret-value" },
      acquireToken: async () => ({
        ok: false,
        failure: { kind: "unreachable", message: "login.microsoftonline.com is unreachable: ENOTFOUND" },
        ms: 1,
      }),
      logins: {} as VerifyDeps["logins"],
      readStackOutputs: async () => ({ ok: false, reason: "no-cli", message: "" }),
      readFile: () => "",
      stdout: () => undefined,
      stderr: (s) => stderr.push(s),
    });
    const lines = stderr
      .join("")
      .split("\n")
      .filter((l) => l.includes("No token"));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.match(/No token/g)).toHaveLength(1);
  });
});
