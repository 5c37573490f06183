// The clients' local failures, against tiny misbehaving servers (no Dovecot needed): every
// login ends with a stage, inside its timeout, and never with the token in its text.
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalhostCert, type LocalhostCert } from "../../../scripts/offline-tenant/tls";
import { freePorts } from "../../../scripts/offline-tenant/mail-peers/dovecot";
import { loginImap } from "../../../scripts/operator/verify/imap";
import type { Login, LoginOptions } from "../../../scripts/operator/verify/login";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";

const TOKEN =
  "eyJhbGciOiJSUzI1NiJ9.eyJzZWNyZXQiOiJ0b2tlbi12YWx1ZSJ9.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1sZWFr";
const logins: [string, Login][] = [
  ["IMAP", loginImap],
  ["POP3", loginPop3],
  ["SMTP", loginSmtp],
];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
}

describe("a login that cannot complete ends with its stage, inside its timeout", () => {
  let cert: LocalhostCert;
  let certDir: string;
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  beforeAll(() => {
    certDir = mkdtempSync(join(tmpdir(), "exo-oauth-fail-"));
    cert = createLocalhostCert(join(certDir, "tls"));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    rmSync(certDir, { recursive: true, force: true });
  });
  const base = (port: number, tls: LoginOptions["tls"]): LoginOptions => ({
    host: "127.0.0.1",
    port,
    tls,
    mailbox: "shared@contoso.com",
    accessToken: TOKEN,
    timeoutMs: 1500,
  });

  for (const [name, login] of logins) {
    it(`${name}: a closed port fails at the connect stage`, async () => {
      const [port] = await freePorts(1);
      const result = await login(base(port, "none"));
      expect(result).toMatchObject({ ok: false, stage: "connect" });
      if (!result.ok) expect(result.serverResponse).toMatch(/ECONNREFUSED/);
    });

    it(`${name}: a server that never greets fails at the timeout stage, on time`, async () => {
      const silent = createServer((s) => sockets.push(s));
      servers.push(silent);
      const started = Date.now();
      const result = await login(base(await listen(silent), "none"));
      expect(result).toMatchObject({ ok: false, stage: "timeout" });
      expect(Date.now() - started).toBeLessThan(1500 + 500);
    });

    it(`${name}: an untrusted certificate fails at the tls stage`, async () => {
      const tlsServer = createTlsServer({ key: cert.key, cert: cert.cert }, (s) => sockets.push(s));
      servers.push(tlsServer);
      const result = await login(base(await listen(tlsServer), "implicit"));
      expect(result).toMatchObject({ ok: false, stage: "tls" });
    });

    it(`${name}: a server that speaks another protocol fails at the greeting stage`, async () => {
      const http = createServer((s) => {
        sockets.push(s);
        s.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      });
      servers.push(http);
      const result = await login(base(await listen(http), "none"));
      expect(result).toMatchObject({ ok: false, stage: "greeting" });
      if (!result.ok) expect(result.serverResponse).not.toContain(TOKEN);
    });
  }
});
