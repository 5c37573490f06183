// The offline SMTP submission peer (smtp.office365.com:587-like): STARTTLS, AUTH XOAUTH2 only,
// the checker's rules, Exchange's reply texts, SendAs on MAIL FROM. Dovecot's submission
// service can't be used: it refuses a real-sized one-line `AUTH XOAUTH2 <blob>` (dovecot-xoauth2.md).
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";
import { readState } from "../state";
import { checkSendAs, type CheckRequest, type CheckResult } from "./checker";

/** Exchange Online's SMTP AUTH replies (microsoft-contract.md, "Tokens and logins"). */
export const SMTP_REPLY = {
  authFailed: "5.7.3 Authentication unsuccessful",
  authDisabled:
    "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
  sendAsDenied: (detail: string) =>
    `5.2.252 SendAsDenied; ${detail}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`,
} as const;

export interface SmtpPeerOptions {
  /** Decides each login (the checker's `check`: re-reads the state per login). */
  check: (req: CheckRequest) => Promise<CheckResult>;
  /** The tenant state file, re-read for SendAs on MAIL FROM. */
  statePath: string;
  cert: string;
  key: string;
}

/** A message the peer accepted (kept in memory; tests read it). */
export interface AcceptedMessage {
  from: string;
  to: string[];
  size: number;
}

export interface SmtpPeer {
  port: number;
  messages: AcceptedMessage[];
  stop(): Promise<void>;
}

interface PeerUser {
  mailbox: string;
  spSid: string;
  oid: string;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpPeer(opts: SmtpPeerOptions): Promise<SmtpPeer> {
  const messages: AcceptedMessage[] = [];
  const server = new SMTPServer({
    name: "localhost",
    banner: "Microsoft ESMTP MAIL Service ready (exo-oauth offline peer)",
    authMethods: ["XOAUTH2"],
    // Exchange on 587 offers AUTH only after STARTTLS.
    allowInsecureAuth: false,
    secure: false,
    key: opts.key,
    cert: opts.cert,
    disableReverseLookup: true,
    logger: false,
    size: 35 * 1024 * 1024,
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (auth.method !== "XOAUTH2")
        return callback(smtpError(504, "5.7.4 Unrecognized authentication type"));
      opts
        .check({ user: auth.username ?? "", token: auth.accessToken ?? "", service: "smtp", mech: "XOAUTH2" })
        .then((result) => {
          if (result.ok) {
            const user: PeerUser = { mailbox: result.mailbox, spSid: result.spSid, oid: result.oid };
            return callback(null, { user });
          }
          // Exchange answers 535 straight away (no XOAUTH2 error challenge on SMTP).
          const text =
            result.reason === "protocol_disabled" ? SMTP_REPLY.authDisabled : SMTP_REPLY.authFailed;
          callback(smtpError(535, text));
        })
        .catch(() => callback(smtpError(454, "4.7.0 Temporary authentication failure")));
    },
    onMailFrom(address, session, callback) {
      const user = session.user as PeerUser | undefined;
      if (!user) return callback(smtpError(530, "5.7.57 Client not authenticated to send mail"));
      let verdict: ReturnType<typeof checkSendAs>;
      try {
        verdict = checkSendAs(readState(opts.statePath), user, address.address);
      } catch {
        return callback(smtpError(451, "4.3.0 Temporary server error"));
      }
      if (!verdict.ok) return callback(smtpError(554, SMTP_REPLY.sendAsDenied(verdict.detail)));
      callback();
    },
    onData(stream, session, callback) {
      let size = 0;
      stream.on("data", (chunk: Buffer) => (size += chunk.length));
      stream.on("end", () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          size,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  // A connection error (a client hanging up mid-TLS) must not crash the process.
  server.on("error", () => undefined);
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
