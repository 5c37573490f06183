// Hostile servers: an authority or mail server that streams without end, or one byte a second,
// must neither fill verify's memory nor outlive --timeout (scripts/operator/verify/limits.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLocalhostCert, type LocalhostCert } from "../../../scripts/offline-tenant/tls";
import { loginImap } from "../../../scripts/operator/verify/imap";
import { MAX_CONVERSATION_BYTES } from "../../../scripts/operator/verify/limits";
import type { Login } from "../../../scripts/operator/verify/login";
import { loginPop3 } from "../../../scripts/operator/verify/pop3";
import { loginSmtp } from "../../../scripts/operator/verify/smtp";
import { checkDiscovery } from "../../../scripts/operator/verify/token";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln";
const servers: (Server | HttpsServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    (s as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

/** A server that answers every connection with `prefix`, then `behaviour`; counts the bytes it wrote. */
async function hostile(
  prefix: string,
  behaviour: "endless" | "trickle",
): Promise<{ port: number; written: () => number }> {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, "A");
  const server = createServer((socket: Socket) => {
    socket.on("error", () => undefined);
    socket.write(prefix);
    if (behaviour === "endless") {
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) written += chunk.length;
        if (!socket.destroyed) {
          written += chunk.length;
          socket.once("drain", pump);
        }
      };
      pump();
    } else {
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write("A");
        written++;
      }, 1000);
      socket.on("close", () => clearInterval(timer));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  servers.push(server);
  return { port: (server.address() as { port: number }).port, written: () => written };
}

const cases: [string, Login, string][] = [
  ["POP", loginPop3, "+OK "],
  ["IMAP", loginImap, "* OK "],
  ["SMTP", loginSmtp, "220 "],
];

describe("a mail server that streams one endless line", () => {
  it.each(cases)(
    "%s: verify stops reading near the cap and fails the login fast",
    async (_, login, prefix) => {
      const server = await hostile(prefix, "endless");
      const started = Date.now();
      const r = await login({
        host: "127.0.0.1",
        port: server.port,
        tls: "none",
        mailbox: "helpdesk@contoso.com",
        accessToken: TOKEN,
        timeoutMs: 20_000,
      });
      expect(r.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(10_000);
      // What the kernel's buffers held on top of the cap, at most a few MiB; never the gigabytes of an uncapped read.
      expect(server.written()).toBeLessThan(MAX_CONVERSATION_BYTES * 16);
      if (!r.ok) expect(r.serverResponse.length).toBeLessThan(4096);
    },
  );
});

describe("a mail server that answers one byte a second", () => {
  it.each(cases)("%s: the login ends at --timeout, not when the server stops", async (_, login, prefix) => {
    const server = await hostile(prefix, "trickle");
    const started = Date.now();
    const r = await login({
      host: "127.0.0.1",
      port: server.port,
      tls: "none",
      mailbox: "helpdesk@contoso.com",
      accessToken: TOKEN,
      timeoutMs: 1500,
    });
    expect(r).toMatchObject({ ok: false, stage: "timeout" });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("an authority that streams its discovery document without end, or one byte a second", () => {
  let dir: string;
  let cert: LocalhostCert;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "exo-oauth-hostile-"));
    cert = createLocalhostCert(join(dir, "tls"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function authority(
    behaviour: "endless" | "trickle",
  ): Promise<{ url: string; written: () => number }> {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, " ");
    const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      if (behaviour === "endless") {
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) written += chunk.length;
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
      } else {
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(" ")), 1000);
        res.on("close", () => clearInterval(timer));
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    servers.push(server);
    return {
      url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
      written: () => written,
    };
  }

  it("stops reading an endless body at the cap and calls it not an OpenID configuration", async () => {
    const a = await authority("endless");
    const failure = await checkDiscovery(a.url, "contoso.onmicrosoft.com", cert.cert, 20_000);
    expect(failure).toMatchObject({ kind: "discovery" });
    expect(failure!.message).toMatch(
      /is not an OpenID configuration: the answer is larger than 1048576 bytes$/,
    );
    expect(a.written()).toBeLessThan(64 * 1024 * 1024);
  });

  it("ends a one-byte-a-second body at the timeout", async () => {
    const a = await authority("trickle");
    const started = Date.now();
    const failure = await checkDiscovery(a.url, "contoso.onmicrosoft.com", cert.cert, 1500);
    expect(failure).toMatchObject({ kind: "unreachable" });
    expect(failure!.message).toMatch(/no complete answer within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("an IMAP server whose STARTTLS fails", () => {
  async function starttls(mode: "refused" | "injected" | "closed"): Promise<number> {
    const server = createServer((s) => {
      s.on("error", () => undefined);
      s.write("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
      s.on("data", (d: Buffer) => {
        const line = d.toString();
        const tag = line.split(" ")[0];
        if (!/STARTTLS/i.test(line)) return void s.write(`${tag} BAD unexpected\r\n`);
        if (mode === "refused") s.write(`${tag} NO STARTTLS unavailable\r\n`);
        else if (mode === "closed") s.end(`${tag} OK Begin TLS negotiation now\r\n`);
        else s.write(`${tag} OK Begin TLS negotiation now\r\nnot a TLS record\r\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    servers.push(server);
    return (server.address() as { port: number }).port;
  }

  it.each(["refused", "injected", "closed"] as const)(
    "STARTTLS %s: labelled a TLS failure, not Exchange refusing the token",
    async (mode) => {
      const r = await loginImap({
        host: "127.0.0.1",
        port: await starttls(mode),
        tls: "starttls",
        mailbox: "helpdesk@contoso.com",
        accessToken: TOKEN,
        timeoutMs: 5000,
      });
      expect(r).toMatchObject({ ok: false, stage: "tls" });
    },
  );
});
