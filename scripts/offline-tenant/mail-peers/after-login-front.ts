// A TLS front for Dovecot's IMAP and POP3 that refuses a session AFTER a successful login, the way
// Exchange accepts `AUTHENTICATE XOAUTH2` and then answers `BAD User is authenticated but not
// connected.` (docs/microsoft-contract.md, "User is authenticated but not connected"). Dovecot decides
// each login in its passdb and has no hook that answers later commands, so this front does it: it
// terminates TLS (993/995-like), relays to Dovecot's plaintext loopback port, reads the XOAUTH2
// blob the client sends, and once Dovecot accepts the login asks the checker again: a result with
// `refuseAfterLogin` turns every later command into the refusal. Used only when the knob
// `refuseAfterLogin` is set (docs/offline-tenant.md, "Knobs of the mail peers").
import { connect as netConnect, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { Protocol } from "../../../components/microsoft";
import type { CheckRequest, CheckResult } from "./checker";

/** The replies after the login. IMAP: public (Exchange); POP: inferred (Exchange's is not published). */
export const AFTER_LOGIN_REPLY = {
  imap: "BAD User is authenticated but not connected.",
  pop: "-ERR User is authenticated but not connected.",
} as const;

/** The longest line the front reads from either side (a real XOAUTH2 blob is ~3 KB). */
const LINE_CAP = 64 * 1024;

export interface AfterLoginFrontOptions {
  protocol: Extract<Protocol, "imap" | "pop">;
  /** Dovecot's plaintext loopback port for this protocol. */
  upstreamPort: number;
  cert: string;
  key: string;
  check: (req: CheckRequest) => Promise<CheckResult>;
}

export interface AfterLoginFront {
  port: number;
  stop(): Promise<void>;
}

/** The user and token of an XOAUTH2 initial response, or undefined. */
function decodeBlob(text: string): { user: string; token: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  // eslint-disable-next-line no-control-regex -- XOAUTH2 separates its fields with \x01
  const m = /^user=([^\x01]*)\x01auth=Bearer ([^\x01]*)\x01\x01$/.exec(
    Buffer.from(text, "base64").toString("utf8"),
  );
  return m ? { user: m[1], token: m[2] } : undefined;
}

/** Splits a stream into CRLF lines; a line over LINE_CAP ends the connection. */
function lines(socket: Socket, onLine: (line: string) => void): void {
  let buffer = "";
  socket.on("data", (d: Buffer) => {
    buffer += d.toString("latin1");
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
    if (buffer.length > LINE_CAP) socket.destroy();
  });
}

export async function startAfterLoginFront(opts: AfterLoginFrontOptions): Promise<AfterLoginFront> {
  const sockets = new Set<Socket>();
  const server = createTlsServer(
    { cert: opts.cert, key: opts.key, minVersion: "TLSv1.2" },
    (client: TLSSocket) => {
      const upstream = netConnect({ host: "127.0.0.1", port: opts.upstreamPort });
      sockets.add(client).add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };

      let login: { user: string; token: string } | undefined;
      let authTag: string | undefined; // IMAP: the AUTHENTICATE command's tag; POP: "AUTH"
      let refused = false;
      client.on("error", end).on("close", end);
      // Once refused, the front answers alone: Dovecot's side closing must not end the client's session.
      const upstreamEnd = () => (refused ? upstream.destroy() : end());
      upstream.on("error", upstreamEnd).on("close", upstreamEnd);
      let deciding = false;
      const held: string[] = []; // client lines that arrive while the checker is asked

      const refuse = (line: string): void => {
        if (opts.protocol === "imap") {
          const tag = line.split(" ")[0] || "*";
          if (/^\S+ LOGOUT$/i.test(line)) {
            client.write(
              `* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n${tag} OK LOGOUT completed.\r\n`,
            );
            client.end();
            return;
          }
          client.write(`${tag} ${AFTER_LOGIN_REPLY.imap}\r\n`);
        } else {
          if (/^QUIT$/i.test(line)) {
            client.write("+OK Microsoft Exchange Server POP3 server signing off.\r\n");
            client.end();
            return;
          }
          client.write(`${AFTER_LOGIN_REPLY.pop}\r\n`);
        }
      };

      lines(client, (line) => {
        if (refused) return refuse(line);
        if (deciding) return void held.push(line);
        const imapAuth = /^(\S+) AUTHENTICATE XOAUTH2(?: (\S+))?$/i.exec(line);
        if (opts.protocol === "imap" && imapAuth) {
          authTag = imapAuth[1];
          if (imapAuth[2]) login = decodeBlob(imapAuth[2]);
        } else if (opts.protocol === "pop" && /^AUTH XOAUTH2(?: (\S+))?$/i.test(line)) {
          authTag = "AUTH";
          const inline = line.split(" ")[2];
          if (inline) login = decodeBlob(inline);
        } else if (authTag && !login) login = decodeBlob(line);
        upstream.write(`${line}\r\n`);
      });

      lines(upstream, (line) => {
        if (refused) return;
        const accepted =
          authTag !== undefined &&
          login !== undefined &&
          (opts.protocol === "imap" ? line.startsWith(`${authTag} OK`) : line.startsWith("+OK"));
        // The client already speaks TLS to the front: Dovecot's plaintext-port offer to upgrade is not passed on.
        if (!accepted) {
          if (opts.protocol === "pop" && line === "STLS") return;
          client.write(`${line.replace(/ STARTTLS\b/g, "")}\r\n`);
          return;
        }
        const { user, token } = login!;
        authTag = undefined;
        deciding = true;
        opts
          .check({ user, token, service: opts.protocol === "imap" ? "imap" : "pop3", mech: "XOAUTH2" })
          .then((result) => {
            if (result.ok && result.refuseAfterLogin) {
              refused = true;
              upstream.end(opts.protocol === "imap" ? "Z LOGOUT\r\n" : "QUIT\r\n");
            }
          })
          .catch(() => undefined)
          .finally(() => {
            deciding = false;
            client.write(`${line}\r\n`);
            for (const h of held.splice(0)) {
              if (refused) refuse(h);
              else upstream.write(`${h}\r\n`);
            }
          });
      });
    },
  );
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
