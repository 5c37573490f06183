// `npm run verify` as a process (tsx scripts/operator/verify/cli.ts): real wiring, exit codes, streams.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import { createTestTenant, type TestTenant } from "../../support/verify-tenant";

const TSX = join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs");

let t: TestTenant;
let issuer: TokenIssuer;
let dir: string;
let caFile: string;
let closedPort: number;

beforeAll(async () => {
  t = createTestTenant();
  issuer = await startTokenIssuer({ statePath: t.statePath });
  dir = mkdtempSync(join(tmpdir(), "exo-oauth-cli-process-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, issuer.ca);
  const server = createServer();
  closedPort = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await issuer?.close();
  t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function verify(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // PATH holds only node: no pulumi CLI, whatever the machine has.
    const child = spawn(process.execPath, [TSX, "scripts/operator/verify/cli.ts", ...args], {
      env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const inputs = () => [
  "--tenant", t.tenantId, "--client-id", t.app.application.clientId, "--mailbox", "helpdesk@contoso.com",
  "--authority-host", issuer.url, "--ca-file", caFile,
  "--imap-host", "127.0.0.1", "--imap-port", String(closedPort),
  "--pop-host", "127.0.0.1", "--pop-port", String(closedPort),
  "--smtp-host", "127.0.0.1", "--smtp-port", String(closedPort), "--timeout", "5s",
]; // prettier-ignore

describe.concurrent("npm run verify as a process", () => {
  it("exits 2 and explains when given --client-secret, never echoing it", async () => {
    const r = await verify(["--client-secret", "Pa55~word.value"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--client-secret is not accepted/);
    expect(r.stdout + r.stderr).not.toContain("Pa55~word.value");
  });

  it("exits 2 with a clear message when the pulumi CLI is missing and no inputs are given", async () => {
    const r = await verify([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the pulumi CLI is not on PATH\. Give the inputs explicitly instead/);
  });

  it("exits 1 when the mail servers are unreachable, with the token's claims and the cause, and no secret or token", async () => {
    const r = await verify(inputs(), { EXO_OAUTH_CLIENT_SECRET: t.secret });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`oid ${t.app.servicePrincipal.objectId}`);
    expect(r.stdout).toMatch(/helpdesk@contoso\.com {2}IMAP +✗ .*Cannot connect to 127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/0 of 3 logins passed\./);
    expect(r.stderr).toMatch(/Token in \d+ ms/);
    expect(r.stdout + r.stderr).not.toContain(t.secret);
    expect(r.stdout + r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });

  it("prints only JSON on stdout with --json", async () => {
    const r = await verify([...inputs(), "--json", "--protocol", "smtp"], {
      EXO_OAUTH_CLIENT_SECRET: t.secret,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; logins: { cause: { id: string } }[] };
    expect(report.ok).toBe(false);
    expect(report.logins.map((l) => l.cause.id)).toEqual(["host-unreachable"]);
  });
});
