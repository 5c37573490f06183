// A small POP3 client for one XOAUTH2 login (no well-kept Node POP3 client exists):
// greeting, [STLS], AUTH XOAUTH2, STAT, QUIT.
// - RFC 5034 §4: an AUTH command with its initial response must not exceed 255 octets, and a
//   real token is ~1.5–2.5 KB, so the client sends `AUTH XOAUTH2`, waits for `+`, then sends
//   the blob — the exchange Microsoft's POP3 OAuth example shows.
// - On failure Dovecot (like Exchange for IMAP) first sends an error challenge `+ <base64 JSON>`;
//   the client answers with an empty line to get the `-ERR`, so a refusal never hangs.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Login, LoginOptions, LoginStage } from "./login";
import { capBytes, MAX_CONVERSATION_BYTES, MAX_LINE_BYTES } from "./limits";
import { runLogin } from "./login-runner";
import { xoauth2InitialResponse } from "./xoauth2";

class StageError extends Error {
  constructor(
    readonly stage: LoginStage,
    message: string,
  ) {
    super(message);
  }
}

/** Reads CRLF-terminated lines from a socket; `next()` rejects on error, close or abort. */
class LineReader {
  private buffer = "";
  private lines: string[] = [];
  private waiter?: { resolve: (line: string) => void; reject: (err: Error) => void };
  private failure?: Error;
  private readonly onData = (d: Buffer) => {
    this.buffer += d.toString("utf8");
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ""));
      this.buffer = this.buffer.slice(nl + 1);
    }
    // A line without an end is not buffered past the cap (limits.ts).
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.buffer = "";
      this.fail(new Error(`the server sent a line longer than ${MAX_LINE_BYTES} bytes`));
      this.socket.destroy();
    }
    this.flush();
  };
  private readonly onError = (err: Error) => this.fail(err);
  private readonly onClose = () => this.fail(new Error("connection closed by the server"));

  constructor(private socket: Socket) {
    this.attach(socket);
  }

  /** Reads from `socket` (after STLS: the TLS socket wrapping the plaintext one). */
  attach(socket: Socket): void {
    this.socket = socket;
    this.buffer = "";
    socket.on("data", this.onData);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  /** Stops reading from the current socket (before it is wrapped in TLS). */
  detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("error", this.onError);
    this.socket.off("close", this.onClose);
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.flush();
  }

  private flush(): void {
    if (!this.waiter) return;
    const w = this.waiter;
    if (this.lines.length > 0) {
      this.waiter = undefined;
      w.resolve(this.lines.shift() as string);
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.flush();
    });
  }

  write(line: string): void {
    this.socket.write(`${line}\r\n`);
  }
}

function tcpConnect(opts: LoginOptions, track: (s: Socket) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = capBytes(
      netConnect({ host: opts.host, port: opts.port }),
      MAX_CONVERSATION_BYTES,
      "the POP server",
    );
    track(socket); // destroyed on timeout even while still connecting
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (err) => reject(new StageError("connect", err.message)));
  });
}

function startTls(socket: Socket, opts: LoginOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({
      socket,
      // The certificate is checked against servername, else host (an IP is matched to its IP SAN).
      host: opts.host,
      ca: opts.ca,
      servername: opts.servername ?? (/^[\d.]+$|:/.test(opts.host) ? undefined : opts.host),
      minVersion: "TLSv1.2",
    });
    secure.once("secureConnect", () => {
      secure.off("error", reject);
      resolve(secure);
    });
    secure.once("error", (err) => reject(new StageError("tls", err.message)));
  });
}

async function expectOk(reader: LineReader, stage: LoginStage, what: string): Promise<string> {
  const line = await reader.next().catch((err: Error) => {
    throw new StageError(stage, `${what}: ${err.message}`);
  });
  if (!line.startsWith("+OK")) throw new StageError(stage, line);
  return line;
}

async function pop3Session(opts: LoginOptions, track: (s: Socket) => void): Promise<string> {
  let socket: Socket = await tcpConnect(opts, track);
  if (opts.tls === "implicit") {
    socket = await startTls(socket, opts);
    track(socket);
  }
  const reader = new LineReader(socket);
  await expectOk(reader, "greeting", "waiting for the greeting");

  if (opts.tls === "starttls") {
    reader.write("STLS");
    await expectOk(reader, "tls", "STLS");
    reader.detach();
    socket = await startTls(socket, opts);
    track(socket);
    reader.attach(socket);
  }

  reader.write("AUTH XOAUTH2");
  const cont = await reader.next().catch((err: Error) => {
    throw new StageError("auth", `AUTH XOAUTH2: ${err.message}`);
  });
  if (!cont.startsWith("+")) throw new StageError("auth", cont);
  reader.write(xoauth2InitialResponse(opts.mailbox, opts.accessToken));
  let reply = await reader.next().catch((err: Error) => {
    throw new StageError("auth", `AUTH XOAUTH2: ${err.message}`);
  });
  if (reply.startsWith("+ ") || reply === "+") {
    // The error challenge: answer with an empty line to get the final -ERR.
    reader.write("");
    reply = await reader.next().catch((err: Error) => {
      throw new StageError("auth", `AUTH XOAUTH2 after the error challenge: ${err.message}`);
    });
  }
  if (!reply.startsWith("+OK")) throw new StageError("auth", reply);

  reader.write("STAT");
  const stat = await expectOk(reader, "command", "STAT");
  reader.write("QUIT");
  await reader.next().catch(() => undefined);
  return stat.replace(/^\+OK\s*/, "STAT ");
}

/** POP3 login with XOAUTH2, then STAT and QUIT. Never throws; never returns the token. */
export const loginPop3: Login = async (opts) => {
  const sockets: Socket[] = [];
  return runLogin("pop", opts, {
    run: () => pop3Session(opts, (s) => sockets.push(s)),
    failure: (error) => ({
      // Only building the XOAUTH2 response throws outside a stage (a control character in the mailbox).
      stage: error instanceof StageError ? error.stage : "auth",
      response: (error as Error).message,
    }),
    close: () => {
      for (const s of sockets) s.destroy();
    },
  });
};
