// Self-signed certificates for the offline doubles, made with the `openssl` CLI (installed by
// .ci/run with apt-get; Node has no X.509 writer and we add no dependency for one).
// - createLocalhostCert: the TLS server certificate of the token issuer and the mail peers
//   (CN=localhost, SAN DNS:localhost + IP:127.0.0.1), trusted by passing its PEM as `ca`.
// - createClientCertificate: an application's credential certificate (ClientCertificateCredential),
//   with the `x5t#S256` thumbprint Entra matches a client assertion against.
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalhostCert {
  /** Paths of the PEM files in `dir` (Dovecot reads `ssl_cert = <certPath`). */
  certPath: string;
  keyPath: string;
  /** The certificate PEM: pass it as `ca` to trust the server. */
  cert: string;
  /** The private key PEM. */
  key: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT")
      throw new Error(
        "Creating a self-signed certificate: the openssl CLI is not installed (apt-get install openssl)",
      );
    throw new Error(
      `Creating a self-signed certificate: openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? e.message}`,
    );
  }
}

function selfSigned(dir: string, subject: string, extraArgs: string[], days: number): LocalhostCert {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  openssl([
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
    "-days", String(days), "-subj", subject,
    "-keyout", keyPath, "-out", certPath, ...extraArgs,
  ]); // prettier-ignore
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

/** A TLS server certificate for localhost / 127.0.0.1, written to `dir` as cert.pem + key.pem. */
export function createLocalhostCert(dir: string, days = 30): LocalhostCert {
  return selfSigned(dir, "/CN=localhost", ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], days);
}

export interface ClientCertificate {
  /** Certificate + private key in one PEM, as ClientCertificateCredential's `certificate` takes it. */
  pem: string;
  certPem: string;
  keyPem: string;
  /** base64url SHA-256 of the DER: the client assertion's `x5t#S256` header. */
  thumbprintSha256: string;
  /** The certificate's notAfter, ISO 8601. */
  endDate: string;
}

/** base64url(SHA-256(DER)) of a PEM certificate. */
export function thumbprintSha256(certPem: string): string {
  return createHash("sha256").update(new X509Certificate(certPem).raw).digest("base64url");
}

/** A self-signed application credential certificate (made in a temporary directory, then removed). */
export function createClientCertificate(commonName = "exo-oauth-offline", days = 30): ClientCertificate {
  const dir = mkdtempSync(join(tmpdir(), "exo-oauth-cert-"));
  try {
    const { cert, key } = selfSigned(dir, `/CN=${commonName.replace(/[/=]/g, "-")}`, [], days);
    return {
      pem: `${cert}${key}`,
      certPem: cert,
      keyPem: key,
      thumbprintSha256: thumbprintSha256(cert),
      endDate: new Date(new X509Certificate(cert).validTo).toISOString(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
