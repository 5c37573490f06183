// SMTP login with nodemailer: EHLO, STARTTLS, AUTH XOAUTH2 (one-line form, which Exchange
// accepts), QUIT — `verify()` only. A message is sent only when `sendTestTo` is given (a test
// message from the mailbox) or `sendAs` (the send-as check: From: that address, to itself).
// nodemailer answers a 334 error challenge with an empty line and, holding no refresh
// mechanism, retries AUTH once with the same token before failing with EAUTH.
import { createTransport } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { Login, LoginStage } from "./login";
import { connect as netConnect, type Socket } from "node:net";
import { capBytes, MAX_CONVERSATION_BYTES } from "./limits";
import { runLogin } from "./login-runner";

interface NodemailerError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
}

function stageOf(err: NodemailerError): LoginStage {
  switch (err.code) {
    case "EAUTH":
    case "ENOAUTH":
      return "auth";
    case "ETLS":
      return "tls";
    case "EENVELOPE":
    case "EMESSAGE":
    case "EMAXLIMIT":
      return "command";
    case "ETIMEDOUT":
      return err.command === "CONN" ? "connect" : "greeting";
    case "EDNS":
    case "ECONNREFUSED":
      return "connect";
    case "ECONNECTION":
    case "ESOCKET":
      if (/certificate|SSL|TLS|self[- ]signed|altname|handshake/i.test(err.message)) return "tls";
      return "connect";
    case "EPROTOCOL":
      return "greeting";
    default:
      return "command";
  }
}

/** The server's reply (`535 5.7.3 Authentication unsuccessful`), else the local error text. */
function responseOf(err: NodemailerError): string {
  return err.response ? err.response : err.message;
}

/** SMTP login with XOAUTH2 after STARTTLS (`verify()`), optionally one test message. Never throws; never returns the token. */
export const loginSmtp: Login = async (opts) => {
  const sockets: Socket[] = [];
  const transport = createTransport({
    host: opts.host,
    port: opts.port,
    secure: opts.tls === "implicit",
    requireTLS: opts.tls === "starttls",
    ignoreTLS: opts.tls === "none",
    auth: { type: "OAuth2", user: opts.mailbox, accessToken: opts.accessToken },
    tls: { ca: opts.ca, servername: opts.servername, minVersion: "TLSv1.2" },
    // A connection of ours, so every byte the server sends is counted before nodemailer buffers it
    // (limits.ts); nodemailer upgrades it with STARTTLS. Implicit TLS (465) keeps nodemailer's own
    // connection (a given connection would skip its TLS handshake); the deadline still holds there.
    ...(opts.tls === "implicit"
      ? {}
      : {
          getSocket: (
            _options: unknown,
            callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
          ) => {
            const socket = capBytes(
              netConnect({ host: opts.host, port: opts.port }),
              MAX_CONVERSATION_BYTES,
              "the SMTP server",
            );
            sockets.push(socket);
            const onError = (err: Error) => callback(err);
            socket.once("error", onError);
            socket.once("connect", () => {
              socket.off("error", onError);
              callback(null, { connection: socket });
            });
          },
        }),
    // nodemailer's own logs are off: nothing of a login is logged.
    logger: false,
    debug: false,
    // The library's own timers are a backstop; the login's deadline below decides first.
    connectionTimeout: opts.timeoutMs + 1000,
    greetingTimeout: opts.timeoutMs + 1000,
    socketTimeout: opts.timeoutMs + 1000,
  } as SMTPTransport.Options);
  let stage: "login" | "send" = "login";
  return runLogin("smtp", opts, {
    run: async () => {
      await transport.verify();
      if (opts.sendAs) {
        stage = "send";
        const info = await transport.sendMail({
          envelope: { from: opts.sendAs, to: opts.sendTestTo ?? opts.sendAs },
          from: opts.sendAs,
          to: opts.sendTestTo ?? opts.sendAs,
          subject: "exo-oauth verify: send-as check",
          text: `A send-as check by exo-oauth verify: logged in as ${opts.mailbox}, sent as ${opts.sendAs} at ${new Date().toISOString()}.`,
        });
        return `sent as ${opts.sendAs} (logged in as ${opts.mailbox}): ${info.response}`;
      }
      if (!opts.sendTestTo) return "AUTH XOAUTH2 accepted";
      stage = "send";
      const info = await transport.sendMail({
        from: opts.mailbox,
        to: opts.sendTestTo,
        subject: "exo-oauth verify: test message",
        text: `A test message sent by exo-oauth verify as ${opts.mailbox} at ${new Date().toISOString()}.`,
      });
      return `test message sent: ${info.response}`;
    },
    failure: (error) => {
      const err = error as NodemailerError;
      // Over a cap (limits.ts): whatever answered is not behaving like a mail server.
      if (/sent more than \d+ bytes/.test(err.message)) return { stage: "greeting", response: err.message };
      return { stage: stage === "send" ? "command" : stageOf(err), response: responseOf(err) };
    },
    close: () => {
      transport.close();
      for (const socket of sockets) socket.destroy();
    },
  });
};
