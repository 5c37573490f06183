// Secrets and tenants for the real PowerShell tier: a real PFX (made by pwsh itself, so
// X509Certificate2 must really open it), an access token shaped like a JWT, and the driver
// settings that use them.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { ExchangeSignIn } from "../../components/exchange-step/settings";
import { requirePwsh } from "../support/pwsh-tier";

export interface TestCertificate {
  /** base64 PFX (EXO_OAUTH_CERTIFICATE). */
  pfx: string;
  /** Its password ("" = none). */
  password: string;
  thumbprint: string;
}

/** A self-signed RSA certificate with its private key, exported as PFX by .NET in pwsh. */
export function makeCertificate(opts: { password?: string; expired?: boolean } = {}): TestCertificate {
  const password = opts.password ?? "";
  const script = `
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=exo-oauth-test', $rsa,
      [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $from = if (${opts.expired ? "$true" : "$false"}) { [datetimeoffset]::UtcNow.AddDays(-30) } else { [datetimeoffset]::UtcNow.AddDays(-1) }
    $to = if (${opts.expired ? "$true" : "$false"}) { [datetimeoffset]::UtcNow.AddDays(-1) } else { [datetimeoffset]::UtcNow.AddDays(30) }
    $cert = $req.CreateSelfSigned($from, $to)
    $pw = [Environment]::GetEnvironmentVariable('TEST_PFX_PASSWORD')
    $bytes = if ($pw) { $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $pw) } else { $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx) }
    [Convert]::ToBase64String($bytes) + ' ' + $cert.Thumbprint`;
  const out = execFileSync(requirePwsh(), ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script], {
    encoding: "utf8",
    env: { ...process.env, TEST_PFX_PASSWORD: password },
    timeout: 120_000,
  }).trim();
  const [pfx, thumbprint] = out.split(" ");
  return { pfx, password, thumbprint };
}

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** An app-only access token's shape (header.payload.signature), unique per call. */
export function makeAccessToken(tenantId = "00000000-0000-4000-8000-000000000000"): string {
  return [
    b64url({ typ: "JWT", alg: "RS256" }),
    b64url({
      aud: "https://outlook.office365.com",
      tid: tenantId,
      roles: ["Exchange.ManageAsApp"],
      nonce: randomBytes(16).toString("hex"),
    }),
    randomBytes(64).toString("base64url"),
  ].join(".");
}

/** The driver's connection settings for a certificate. */
export function certificateConnection(cert: TestCertificate): ExchangeSignIn {
  return {
    connection: "certificate",
    automationAppId: "55555555-5555-4555-8555-555555555555",
    certificate: cert.pfx,
    ...(cert.password ? { certificatePassword: cert.password } : {}),
  };
}
