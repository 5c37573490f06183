// The offline SMTP submission peer (smtp.office365.com:587-like): STARTTLS, AUTH XOAUTH2 only,
// the checker's rules, Exchange's reply texts, SendAs decided at submission (after DATA), on the
// envelope sender and the From: header both. Dovecot's submission service can't be used: it
// refuses a real-sized one-line `AUTH XOAUTH2 <blob>` (docs/offline-tenant.md, "The mail peers").
import addressparser from "nodemailer/lib/addressparser";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";
import { readState } from "../state";
import { checkSendAs, type CheckRequest, type CheckResult } from "./checker";

/** Exchange Online's SMTP replies (docs/microsoft-contract.md, "Reply texts"). */
export const SMTP_REPLY = {
  authFailed: "5.7.3 Authentication unsuccessful",
  /** SMTP AUTH off: the text names the switch that refused, the mailbox's own or the tenant's. */
  authDisabled: (scope: "Tenant" | "Mailbox") =>
    `5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the ${scope}. Visit https://aka.ms/smtp_auth_disabled for more information.`,
  sendAsDenied: (detail: string) =>
    `5.2.252 SendAsDenied; ${detail}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`,
  /** A login accepted and then refused at MAIL FROM (`refuseAfterLogin`); text: public transcripts. */
  notPermitted: "5.7.60 SMTP; Client does not have permissions to send as this sender",
} as const;

/** The From: header's addresses, read from the message's header block (at most HEADER_CAP bytes). */
const HEADER_CAP = 64 * 1024;
function headerFromAddresses(header: string): string[] {
  const unfolded = header.replace(/\r?\n[ \t]+/g, " ");
  const line = /^from:(.*)$/im.exec(unfolded);
  if (!line) return [];
  return addressparser(line[1], { flatten: true })
    .map((a) => a.address)
    .filter((a): a is string => typeof a === "string" && a !== "");
}

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
  /** The envelope sender (MAIL FROM). */
  from: string;
  /** The From: header's addresses. */
  headerFrom: string[];
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
  /** The refusal deferred to after the login (the checker's `refuseAfterLogin`). */
  refuseAfterLogin?: { reason: string; detail: string };
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
            const user: PeerUser = {
              mailbox: result.mailbox,
              spSid: result.spSid,
              oid: result.oid,
              ...(result.refuseAfterLogin ? { refuseAfterLogin: result.refuseAfterLogin } : {}),
            };
            return callback(null, { user });
          }
          // Exchange answers 535 straight away (no XOAUTH2 error challenge on SMTP).
          const text =
            result.reason === "protocol_disabled"
              ? SMTP_REPLY.authDisabled(result.scope === "mailbox" ? "Mailbox" : "Tenant")
              : SMTP_REPLY.authFailed;
          callback(smtpError(535, text));
        })
        .catch(() => callback(smtpError(454, "4.7.0 Temporary authentication failure")));
    },
    onMailFrom(_address, session, callback) {
      const user = session.user as PeerUser | undefined;
      if (!user) return callback(smtpError(530, "5.7.57 Client not authenticated to send mail"));
      if (user.refuseAfterLogin) return callback(smtpError(550, SMTP_REPLY.notPermitted));
      callback();
    },
    onData(stream, session, callback) {
      // SendAs is decided at submission, after the data, as Exchange's STOREDRV.Submission does:
      // the envelope sender and every From: address must be the login mailbox or carry SendAs.
      let size = 0;
      let header = "";
      let headerDone = false;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (headerDone) return;
        header += chunk.toString("utf8");
        const end = header.search(/\r?\n\r?\n/);
        if (end >= 0) {
          header = header.slice(0, end);
          headerDone = true;
        } else if (header.length > HEADER_CAP) {
          header = header.slice(0, HEADER_CAP);
          headerDone = true;
        }
      });
      stream.on("end", () => {
        const user = session.user as PeerUser;
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const senders = [...new Set([envelopeFrom, ...headerFromAddresses(header)].filter((a) => a !== ""))];
        for (const sender of senders) {
          let verdict: ReturnType<typeof checkSendAs>;
          try {
            verdict = checkSendAs(readState(opts.statePath), user, sender);
          } catch {
            return callback(smtpError(451, "4.3.0 Temporary server error"));
          }
          if (!verdict.ok) return callback(smtpError(554, SMTP_REPLY.sendAsDenied(verdict.detail)));
        }
        messages.push({
          from: envelopeFrom,
          headerFrom: headerFromAddresses(header),
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
