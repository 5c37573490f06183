// `npm run verify` as a process (tsx scripts/operator/verify/cli.ts): real wiring, exit codes from
// the one table, streams, one JSON document under --json whatever happens, and a mail server's
// hostile reply printed escaped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../../scripts/cli/exit-codes";
import { startTokenIssuer, type TokenIssuer } from "../../../scripts/offline-tenant/entra/token-issuer";
import { errorDocument, oneDocument, timesInOrder, verifyReportDocument } from "../../support/cli-documents";
import { ANSI, RAW_CONTROL, runTool } from "../../support/cli-process";
import { createTestTenant, type TestTenant } from "../../support/verify-tenant";

let t: TestTenant;
let issuer: TokenIssuer;
let dir: string;
let caFile: string;
let closedPort: number;
let hostile: Server;
let hostilePort: number;

/** What a hostile SMTP server answers AUTH with: ESC sequences, an OSC 8 link, a C1 CSI (one byte, as SMTP is read). */
const HOSTILE_REPLY =
  "535 5.7.3 Authentication unsuccessful \u001b[2J\u001b]8;;http://evil\u0007click\u001b]8;;\u0007 forged\u009b31m";

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
  hostile = createServer((c) => {
    c.write("220 mx.contoso.test ESMTP\r\n");
    let buf = "";
    c.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^(EHLO|HELO)/i.test(line)) c.write("250-mx.contoso.test\r\n250 AUTH XOAUTH2\r\n");
        else if (/^AUTH/i.test(line)) c.write(`${HOSTILE_REPLY}\r\n`, "latin1");
        else if (/^QUIT/i.test(line)) c.end("221 bye\r\n");
        else c.write("250 ok\r\n");
      }
    });
    c.on("error", () => undefined);
  });
  hostilePort = await new Promise<number>((resolve) =>
    hostile.listen(0, "127.0.0.1", () => resolve((hostile.address() as { port: number }).port)),
  );
});
afterAll(async () => {
  await issuer?.close();
  await new Promise<void>((resolve) => hostile?.close(() => resolve()));
  t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** PATH holds only node: no pulumi CLI, whatever the machine has. */
const verify = (args: string[], env: Record<string, string> = {}) =>
  runTool("verify", args, {
    env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? dir, ...env },
  });

const inputs = () => [
  "--tenant", t.tenantId, "--client-id", t.app.application.clientId, "--mailbox", "helpdesk@contoso.com",
  "--authority-host", issuer.url, "--ca-file", caFile,
  "--imap-host", "127.0.0.1", "--imap-port", String(closedPort),
  "--pop-host", "127.0.0.1", "--pop-port", String(closedPort),
  "--smtp-host", "127.0.0.1", "--smtp-port", String(closedPort), "--timeout", "5s",
]; // prettier-ignore

describe.concurrent("npm run verify as a process", () => {
  it("exits 64 and explains when given --client-secret, never echoing it", async () => {
    const r = await verify(["--client-secret", "Pa55~word.value"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/^Error: --client-secret is not accepted/);
    expect(r.stdout + r.stderr).not.toContain("Pa55~word.value");
  });

  it("suggests the option meant (exit 64)", async () => {
    const r = await verify(["--mailbx", "helpdesk@contoso.com"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("Error: unknown option --mailbx (did you mean --mailbox?)\n");
    expect(r.stderr).toContain("Run `npm run verify -- --help` for more.");
  });

  it("exits 78 with a clear message when the pulumi CLI is missing and no inputs are given", async () => {
    const r = await verify([]);
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toMatch(/the pulumi CLI is not on PATH\. Give the inputs explicitly instead/);
  });

  it("exits 1 when the mail servers are unreachable, with the token's claims and the cause, no secret or token, ASCII in a pipe", async () => {
    const r = await verify(inputs(), { EXO_OAUTH_CLIENT_SECRET: t.secret });
    expect(r.code).toBe(EXIT.error);
    expect(r.stdout).toContain(`oid ${t.app.servicePrincipal.objectId}`);
    expect(r.stdout).toMatch(/helpdesk@contoso\.com {2}IMAP +FAIL .*Cannot connect to 127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/0 of 3 logins passed\./);
    expect(r.stderr).toMatch(/Token in [\d.]+ m?s/);
    expect(r.stdout + r.stderr).not.toMatch(/[✓✗—…·]/);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    expect(r.stdout + r.stderr).not.toContain(t.secret);
    expect(r.stdout + r.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });

  it("--json: one exo-oauth/verify-report@2 document on stdout", async () => {
    const before = Date.now();
    const r = await verify([...inputs(), "--json", "--protocol", "SMTP"], {
      EXO_OAUTH_CLIENT_SECRET: t.secret,
    });
    expect(r.code).toBe(EXIT.error);
    const report = verifyReportDocument.parse(oneDocument(r.stdout));
    expect(report).toMatchObject({ ok: false, exitCode: 1 });
    expect(report.logins.map((l) => l.cause?.id)).toEqual(["host-unreachable"]);
    expect(timesInOrder(report, before - 1, Date.now() + 1)).toBe(true);
  });

  it.each([
    ["a missing input", [], EXIT.input, "input", /the pulumi CLI is not on PATH/],
    [
      "a usage error",
      ["--wiat", "5m"],
      EXIT.usage,
      "usage",
      /unknown option --wiat \(did you mean --wait\?\)/,
    ],
    ["a bad value", ["--protocol", "imapp"], EXIT.usage, "usage", /did you mean imap\?/],
  ] as const)(
    "--json with %s: the error is the one document on stdout",
    async (_what, args, code, kind, says) => {
      const r = await verify([...args, "--json"]);
      expect(r.code).toBe(code);
      const doc = errorDocument("exo-oauth/verify-report@2").parse(oneDocument(r.stdout));
      expect(doc.error.kind).toBe(kind);
      expect(doc.error.message).toMatch(says);
    },
  );

  it("prints a mail server's hostile reply escaped: no escape sequence or C1 control reaches the terminal", async () => {
    const r = await verify(
      [
        ...inputs().slice(0, 10),
        "--protocol", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", String(hostilePort), "--smtp-tls", "none",
        "--timeout", "5s",
      ],
      { EXO_OAUTH_CLIENT_SECRET: t.secret },
    ); // prettier-ignore
    expect(r.code).toBe(EXIT.error);
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain("Authentication unsuccessful \\u{1b}[2J\\u{1b}]8;;http://evil\\u{7}click");
    // Each login once: the reply is in the table only (cut there; --json keeps it whole), not on stderr.
    expect(r.stderr).not.toContain("Authentication unsuccessful");
  });
});
