import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { describe, expect, it } from "vitest";
import { startMailPeers } from "../../../scripts/offline-tenant/mail-peers";
import { pidAlive } from "../../../scripts/offline-tenant/mail-peers/dovecot";
import { xoauth2InitialResponse } from "../../../scripts/operator/verify/xoauth2";
import { dovecotMissingReason, skipDovecot } from "../../support/dovecot-gate";
import { GRANTED, NOT_GRANTED, useMailPeers } from "../../support/mail-peers";

/** A tiny line-based conversation over a raw socket: send lines, collect the replies. */
function converse(
  port: number,
  opts: { tls?: boolean; ca?: string },
  script: (line: string, send: (text: string) => void, done: () => void) => void,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = opts.tls
      ? tlsConnect({ host: "127.0.0.1", port, ca: opts.ca, servername: "localhost" })
      : netConnect({ host: "127.0.0.1", port });
    const lines: string[] = [];
    let buffer = "";
    socket.setTimeout(5000, () => socket.destroy(new Error("no reply within 5 s")));
    socket.on("data", (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        script(
          line,
          (text) => socket.write(`${text}\r\n`),
          () => {
            socket.destroy();
            resolve(lines);
          },
        );
      }
    });
    socket.on("error", reject);
  });
}

describe.skipIf(skipDovecot)("a private Dovecot instance as the IMAP/POP3 peer", () => {
  const t = useMailPeers();

  it("greets on its TLS ports with the self-signed certificate and offers only XOAUTH2, like Exchange", async () => {
    const [greeting] = await converse(t.peers.imaps.port, { tls: true, ca: t.peers.ca }, (_l, _s, done) =>
      done(),
    );
    expect(greeting).toMatch(/^\* OK /);
    expect(greeting).toContain("AUTH=XOAUTH2");
    expect(greeting).not.toMatch(/AUTH=(PLAIN|LOGIN|OAUTHBEARER)/);
    const [pop] = await converse(t.peers.pop3s.port, { tls: true, ca: t.peers.ca }, (_l, _s, done) => done());
    expect(pop).toMatch(/^\+OK/);
  });

  it("sends the XOAUTH2 error challenge on a refused token and NO only after the client's empty line", async () => {
    const ir = xoauth2InitialResponse(NOT_GRANTED, await t.f.token());
    const lines = await converse(t.peers.imap.port, {}, (line, send, done) => {
      if (line.startsWith("* OK")) send(`a1 AUTHENTICATE XOAUTH2 ${ir}`);
      else if (line.startsWith("+ ")) send("");
      else if (line.startsWith("a1 ")) done();
    });
    const challenge = lines.find((l) => l.startsWith("+ "));
    expect(challenge).toBeDefined();
    expect(JSON.parse(Buffer.from(challenge!.slice(2), "base64").toString())).toMatchObject({
      status: "401",
    });
    expect(lines.at(-1)).toBe("a1 NO [AUTHENTICATIONFAILED] Authentication failed.");
  });

  it("logs in a granted mailbox over POP3 with the one-line AUTH form too", async () => {
    const ir = xoauth2InitialResponse(GRANTED, await t.f.token());
    const lines = await converse(t.peers.pop3.port, {}, (line, send, done) => {
      if (line.startsWith("+OK Dovecot")) send(`AUTH XOAUTH2 ${ir}`);
      else if (line.startsWith("+OK Logged in")) send("QUIT");
      else if (line.startsWith("+OK Logging out") || line.startsWith("-ERR")) done();
    });
    expect(lines).toContain("+OK Logged in.");
  });

  it("stops by PID and leaves no Dovecot process or listening port behind", async () => {
    const local = await startMailPeers({ statePath: t.f.statePath, jwks: t.f.jwks });
    const master = local.dovecot.pid;
    const children = local.dovecot.childPids();
    expect(children.length).toBeGreaterThan(0);
    await local.stop();
    expect(pidAlive(master)).toBe(false);
    // The master's children end shortly after it; give them a moment.
    const deadline = Date.now() + 3000;
    while (children.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(children.filter(pidAlive)).toEqual([]);
    await expect(
      new Promise((resolve, reject) => {
        const s = netConnect({ host: "127.0.0.1", port: local.imap.port }, () => {
          s.destroy();
          resolve("connected");
        });
        s.on("error", reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("Dovecot for the IMAP/POP3 peer", () => {
  // .ci/run apt-installs Dovecot, so in CI a missing Dovecot is a failure, not a skip.
  it.skipIf(skipDovecot)("is installed with its Lua passdb", () => {
    expect(dovecotMissingReason).toBeUndefined();
  });
});
