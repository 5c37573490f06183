// verify's certificate credential: the forms an admin has — a PEM holding the certificate and its
// private key, or the PFX (PKCS#12) the stack holds (raw, or base64 as `exo-oauth:exchange.certificate`
// takes it, checked by the same rule: components/exchange-step/rules.ts, CERTIFICATE_RULE) — read
// and checked before any token is asked for, each problem said once, with the command that fixes it.
// @azure/identity signs with a PEM only, so a PFX is converted in memory by the system's openssl
// (its password travels in openssl's environment, never on a command line); without openssl the
// conversion command is printed instead.
import { spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { CERTIFICATE_RULE } from "../../../components/exchange-step/rules";

/** Where a PFX's password is read from by default (`--certificate-password-env NAME` names another). */
export const DEFAULT_CERTIFICATE_PASSWORD_ENV = "EXO_OAUTH_CERTIFICATE_PASSWORD";

/** openssl reading a PFX: the PEM it printed, or why not. */
export type PfxConversion =
  | { ok: true; pem: string }
  | { ok: false; reason: "no-openssl" | "bad-password" | "failed"; message: string };

export type ConvertPfx = (der: Buffer, password: string) => PfxConversion;

/** What loading gave: the PEM to sign with, or one problem and its exit kind (usage 64, input 78). */
export type CertificateLoad =
  { ok: true; pem: string; form: "pem" | "pfx" } | { ok: false; kind: "usage" | "input"; problem: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;
const PEM_ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/** The one-time conversion an admin can run, for a message. */
export function pfxToPemCommand(path: string): string {
  return `openssl pkcs12 -in ${path} -nodes -out app.pem (add -legacy for a PFX made by older Windows tools)`;
}

/**
 * Reads `bytes` (the file at `path`) as a PEM or a PFX. `password` is the PFX's (from the
 * environment; undefined = not set). Pure but for `convertPfx`.
 */
export function loadCertificate(
  path: string,
  bytes: Buffer,
  password: { value: string | undefined; env: string },
  convertPfx: ConvertPfx = opensslPfxToPem,
): CertificateLoad {
  const text = bytes.toString("utf8");
  const problem = (kind: "usage" | "input", what: string): CertificateLoad => ({
    ok: false,
    kind,
    problem: `--certificate ${path} ${what}`,
  });
  if (text.includes("-----BEGIN")) return checkPem(text, (what) => problem("input", what));

  let der: Buffer;
  if (bytes[0] === 0x30) der = bytes;
  else if (BASE64_TEXT.test(text) && text.trim() !== "") {
    // The form the stack holds: the same rule and words as exo-oauth:exchange.certificate.
    const broken = CERTIFICATE_RULE.check(text);
    if (broken) return problem("input", broken);
    der = Buffer.from(text.replace(/\s+/g, ""), "base64");
  } else
    return problem(
      "input",
      "is neither a PEM file (the certificate and its private key) nor a PFX (PKCS#12): give one of those",
    );

  const converted = convertPfx(der, password.value ?? "");
  if (converted.ok) {
    const checked = checkPem(converted.pem, (what) => problem("input", `is a PFX that ${what}`));
    return checked.ok ? { ...checked, form: "pfx" } : checked;
  }
  if (converted.reason === "no-openssl")
    return problem(
      "usage",
      `is a PFX (PKCS#12); verify reads a PFX with openssl, which is not installed here: convert it once with \`${pfxToPemCommand(path)}\` and pass --certificate app.pem`,
    );
  if (converted.reason === "bad-password")
    return problem(
      "input",
      password.value === undefined
        ? `is a PFX protected by a password: put the password in $${password.env} (or name another variable with --certificate-password-env NAME)`
        : `is a PFX, and the password in $${password.env} does not open it`,
    );
  return problem(
    "input",
    `is a PFX that openssl could not read (${converted.message}): convert it with \`${pfxToPemCommand(path)}\``,
  );
}

function checkPem(text: string, problem: (what: string) => CertificateLoad): CertificateLoad {
  const cert = PEM_CERT.exec(text);
  if (!cert)
    return problem(
      "holds no certificate (-----BEGIN CERTIFICATE-----): it must hold the certificate and its private key",
    );
  if (PEM_ENCRYPTED_KEY.test(text))
    return problem(
      "holds an encrypted private key, which verify cannot use: write it unencrypted once with `openssl pkey -in <file> -out app-key.pem` and put the certificate and that key in one file (`cat app-cert.pem app-key.pem > app.pem`, mode 600)",
    );
  const key = PEM_KEY.exec(text);
  if (!key)
    return problem(
      "holds the certificate but not its private key, which signs the client assertion: put both in one file (`cat app-cert.pem app-key.pem > app.pem`), or from the PFX: `openssl pkcs12 -in app.pfx -nodes -out app.pem`",
    );
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert[0]);
  } catch (err) {
    return problem(`holds a certificate that cannot be read (${(err as Error).message})`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key[0])))
      return problem("holds a private key that is not the certificate's: put the matching key with it");
  } catch (err) {
    return problem(`holds a private key that cannot be read (${(err as Error).message})`);
  }
  return { ok: true, pem: `${cert[0]}\n${key[0]}\n`, form: "pem" };
}

/** Converts with the system's openssl; the password travels in its environment only. */
export const opensslPfxToPem: ConvertPfx = (der, password) => {
  const run = (legacy: boolean) =>
    spawnSync(
      "openssl",
      ["pkcs12", "-nodes", "-passin", "env:EXO_VERIFY_PFX_PASSWORD", ...(legacy ? ["-legacy"] : [])],
      {
        input: der,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", EXO_VERIFY_PFX_PASSWORD: password },
        encoding: "buffer",
        timeout: 10_000,
      },
    );
  let r = run(false);
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
    return { ok: false, reason: "no-openssl", message: "openssl is not on PATH" };
  if (r.status !== 0 && /unsupported|RC2|legacy/i.test(r.stderr.toString())) r = run(true);
  const stderr = r.stderr.toString();
  if (r.status === 0) return { ok: true, pem: r.stdout.toString("utf8") };
  if (/mac verify|invalid password|bad decrypt/i.test(stderr))
    return { ok: false, reason: "bad-password", message: "wrong password" };
  return { ok: false, reason: "failed", message: stderr.split("\n")[0]?.trim() || `exit ${r.status}` };
};
