// `npm run offline-tenant -- serve` as a process, driven by clients the project does not own, the
// way a user rehearses their mail client: read ONLY what serve printed (one JSON line), get a token
// with @azure/identity's ClientSecretCredential, log in with imapflow and nodemailer (XOAUTH2) and
// with `openssl s_client` (POP3), then Ctrl-C it and check that no process and no temporary
// directory it made is left behind.
import { ClientSecretCredential } from "@azure/identity";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

const ROOT = resolve(__dirname, "../..");

interface ServeDoc {
  schema: string;
  ok: boolean;
  simulated: boolean;
  tenantId: string;
  authorityHost: string;
  tokenUrl: string;
  scope: string;
  caFile: string;
  clientId: string;
  clientSecretFile: string;
  imap: { host: string; port: number; tls: string } | null;
  pop: { host: string; port: number; tls: string } | null;
  smtp: { host: string; port: number; tls: string };
  mailboxes: { address: string; protocols: string[]; sendAs: boolean }[];
  pid: number;
}

let child: ChildProcessWithoutNullStreams;
let tmp: string;
let stdout = "";
let stderr = "";
let doc: ServeDoc;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
const tokens: string[] = [];

/** Every pid whose process group is `pgid` (from /proc). */
function processesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: pid (comm) state ppid pgrp …; comm may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const ours = () => readdirSync(tmp).filter((n) => n.startsWith("exo-oauth-"));

beforeAll(async () => {
  // Its own TMPDIR, traversable by Dovecot's unprivileged processes, so leftovers can be listed.
  tmp = mkdtempSync(join(tmpdir(), "serve-test-"));
  chmodSync(tmp, 0o755);
  // Its own process group (detached), as a terminal runs a foreground job.
  child = spawn("npm", ["run", "--silent", "offline-tenant", "--", "serve", "--json"], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    detached: true,
  }) as ChildProcessWithoutNullStreams;
  exited = new Promise((done) => child.on("exit", (code, signal) => done({ code, signal })));
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const line = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`serve printed no JSON line in 100 s:\n${stderr}`)),
      100_000,
    );
    const poll = setInterval(() => {
      const nl = stdout.indexOf("\n");
      if (nl >= 0) {
        clearInterval(poll);
        clearTimeout(timer);
        done(stdout.slice(0, nl));
      }
    }, 50);
    void exited.then(({ code }) => fail(new Error(`serve exited (${code}) before printing:\n${stderr}`)));
  });
  doc = JSON.parse(line) as ServeDoc;
});

afterAll(async () => {
  if (child && child.exitCode === null && child.pid) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe("npm run offline-tenant -- serve, driven by a client that only reads what it printed", () => {
  it("prints one JSON document naming everything a client needs, and the secret only as a 0600 file", () => {
    expect(doc).toMatchObject({
      schema: "exo-oauth/offline-tenant-serve@2",
      ok: true,
      exitCode: 0,
      simulated: true,
    });
    expect(doc.tokenUrl).toBe(`${doc.authorityHost}/${doc.tenantId}/oauth2/v2.0/token`);
    expect(doc.smtp.tls).toBe("starttls");
    expect(doc.mailboxes.map((m) => m.address)).toContain("billing@offline-demo.example");
    expect(statSync(doc.clientSecretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(doc.clientSecretFile, "utf8");
    expect(secret.length).toBeGreaterThanOrEqual(30);
    expect(stdout + stderr).not.toContain(secret);
    expect(readFileSync(doc.caFile, "utf8")).toContain("-----BEGIN CERTIFICATE-----");
  });

  it("@azure/identity's ClientSecretCredential gets an app-only token with the consented roles", async () => {
    const credential = new ClientSecretCredential(
      doc.tenantId,
      doc.clientId,
      readFileSync(doc.clientSecretFile, "utf8"),
      {
        authorityHost: doc.authorityHost,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: readFileSync(doc.caFile, "utf8") },
      } as ConstructorParameters<typeof ClientSecretCredential>[3],
    );
    const token = await credential.getToken(doc.scope);
    tokens.push(token.token);
    const claims = JSON.parse(Buffer.from(token.token.split(".")[1], "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      tid: doc.tenantId,
      appid: doc.clientId,
      aud: "https://outlook.office365.com",
    });
    expect([...(claims.roles as string[])].sort()).toEqual([
      "IMAP.AccessAsApp",
      "POP.AccessAsApp",
      "SMTP.SendAsApp",
    ]);
  });

  it("a raw token POST, then imapflow and nodemailer log in with XOAUTH2, and openssl s_client with POP3", async () => {
    const ca = readFileSync(doc.caFile, "utf8");
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: doc.clientId,
      client_secret: readFileSync(doc.clientSecretFile, "utf8"),
      scope: doc.scope,
    });
    // fetch has no per-request CA: the CA goes to a child node, as NODE_EXTRA_CA_CERTS would for any app.
    const post = spawnSync(
      process.execPath,
      [
        "-e",
        `fetch(process.argv[1],{method:"POST",body:process.argv[2],headers:{"content-type":"application/x-www-form-urlencoded"}}).then(r=>r.json()).then(j=>process.stdout.write(j.access_token??JSON.stringify(j)))`,
        doc.tokenUrl,
        body.toString(),
      ],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: doc.caFile }, encoding: "utf8" },
    );
    const accessToken = post.stdout;
    expect(accessToken.split(".")).toHaveLength(3);
    tokens.push(accessToken);
    const imapMailbox = doc.mailboxes.find((m) => m.protocols.includes("imap"))!.address;
    const smtpMailbox = doc.mailboxes.find((m) => m.sendAs)!.address;
    if (doc.imap) {
      const imap = new ImapFlow({
        host: doc.imap.host,
        port: doc.imap.port,
        secure: true,
        tls: { ca },
        auth: { user: imapMailbox, accessToken },
        logger: false,
      });
      await imap.connect();
      expect(imap.authenticated).toBeTruthy();
      await imap.logout();
    }
    const smtp = nodemailer.createTransport({
      host: doc.smtp.host,
      port: doc.smtp.port,
      secure: false,
      requireTLS: true,
      tls: { ca },
      auth: { type: "OAuth2", user: smtpMailbox, accessToken },
    });
    await expect(smtp.verify()).resolves.toBe(true);
    smtp.close();
    if (doc.pop) {
      const xoauth2 = Buffer.from(`user=${imapMailbox}\x01auth=Bearer ${accessToken}\x01\x01`).toString(
        "base64",
      );
      const s = spawnSync(
        "openssl",
        [
          "s_client",
          "-quiet",
          "-verify_return_error",
          "-CAfile",
          doc.caFile,
          "-connect",
          `${doc.pop.host}:${doc.pop.port}`,
        ],
        { input: `AUTH XOAUTH2 ${xoauth2}\r\nQUIT\r\n`, encoding: "utf8", timeout: 20_000 },
      );
      expect(s.stdout).toMatch(/^\+OK.*\r?\n\+OK Logged in/m);
    }
  });

  it("Ctrl-C (SIGINT) stops everything it started: no process left in its group, no temporary directory", async () => {
    expect(ours().length).toBeGreaterThan(0);
    const group = child.pid!;
    expect(processesInGroup(group)).toContain(doc.pid);
    process.kill(doc.pid, "SIGINT");
    const { code } = await exited;
    expect(code).toBe(0);
    // The process tree is gone: Dovecot's master and children too.
    for (let i = 0; i < 50 && processesInGroup(group).length; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(processesInGroup(group)).toEqual([]);
    expect(ours()).toEqual([]);
    expect(existsSync(doc.clientSecretFile)).toBe(false);
    expect(stderr).toMatch(/SIGINT: stopping/);
    for (const t of tokens) expect(stdout + stderr).not.toContain(t);
  });
});
