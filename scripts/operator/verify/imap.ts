// IMAP login with imapflow: AUTHENTICATE XOAUTH2, open INBOX read-only, LOGOUT.
// imapflow picks OAUTHBEARER when the server offers it and XOAUTH2 otherwise; Exchange Online
// (and the offline Dovecot peer, `auth_mechanisms = xoauth2`) offer only XOAUTH2. imapflow
// answers the XOAUTH2 error challenge with an empty line ("breaker"), so a refusal ends in NO.
import { ImapFlow } from "imapflow";
import type { Login, LoginStage } from "./login";
import { MAX_CONVERSATION_BYTES, MAX_LINE_BYTES } from "./limits";
import { runLogin } from "./login-runner";

interface ImapFlowError extends Error {
  code?: string;
  authenticationFailed?: boolean;
  response?: string;
  responseStatus?: string;
  responseText?: string;
  serverResponseCode?: string;
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
]);
const GREETING_CODES = new Set(["GREETING_TIMEOUT", "ClosedAfterConnectText"]);

function stageOf(err: ImapFlowError, greeted: boolean): LoginStage {
  if (err.authenticationFailed) return "auth";
  const code = err.code ?? "";
  if (CONNECT_CODES.has(code)) return "connect";
  if (
    code === "UPGRADE_TIMEOUT" ||
    code === "ClosedAfterConnectTLS" ||
    /^ERR_(TLS|SSL)|CERT|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(code)
  )
    return "tls";
  if (GREETING_CODES.has(code)) return "greeting";
  // STARTTLS refused, or the upgrade broken (plaintext injected, closed mid-handshake): a TLS
  // failure, not Exchange refusing the token (before this, all three read as "auth").
  if (/STARTTLS|\bTLS\b|\bSSL\b|certificate/i.test(err.message)) return "tls";
  return greeted ? "auth" : "connect";
}

/** The server's refusal as IMAP shows it (`NO [AUTHENTICATIONFAILED] …`), else the local error. */
function responseOf(err: ImapFlowError): string {
  const text = err.responseText ?? err.response;
  if (err.responseStatus && text) {
    const code = err.serverResponseCode && !text.startsWith("[") ? `[${err.serverResponseCode}] ` : "";
    return `${err.responseStatus} ${code}${text}`;
  }
  return text ? `${err.message}: ${text}` : err.message;
}

/** IMAP login with XOAUTH2, then SELECT INBOX (read-only) and LOGOUT. Never throws; never returns the token. */
export const loginImap: Login = async (opts) => {
  const client = new ImapFlow({
    host: opts.host,
    port: opts.port,
    secure: opts.tls === "implicit",
    doSTARTTLS: opts.tls === "starttls" ? true : opts.tls === "none" ? false : undefined,
    servername: opts.servername,
    auth: { user: opts.mailbox, accessToken: opts.accessToken },
    tls: { ca: opts.ca, minVersion: "TLSv1.2" },
    // Logging off: imapflow hides the SASL blob, but nothing of a login is logged at all here.
    logger: false,
    emitLogs: false,
    disableAutoIdle: true,
    // A hostile server must not make verify buffer without bound (limits.ts).
    maxLineLength: MAX_LINE_BYTES,
    maxLiteralSize: MAX_CONVERSATION_BYTES,
    maxResponseSize: 2 * MAX_CONVERSATION_BYTES,
    // The library's own timers are a backstop; the login's deadline below decides first.
    connectionTimeout: opts.timeoutMs + 1000,
    greetingTimeout: opts.timeoutMs + 1000,
    socketTimeout: opts.timeoutMs + 1000,
  });
  // Late socket errors (after a result) must not become unhandled events.
  client.on("error", () => undefined);
  let stage: "connecting" | "authenticated" = "connecting";
  return runLogin("imap", opts, {
    run: async () => {
      await client.connect();
      stage = "authenticated";
      const mailbox = await client.mailboxOpen("INBOX", { readOnly: true });
      await client.logout();
      return `INBOX ${mailbox.exists} messages`;
    },
    failure: (error) => {
      const err = error as ImapFlowError;
      const greeted = Boolean((client as unknown as { greetingReceived?: boolean }).greetingReceived);
      const response = responseOf(err);
      // Exchange accepted AUTHENTICATE and refused the next command (imapflow sends one before
      // connect() resolves, and reports it as an authentication failure): that is after the login.
      const notConnected = /User is authenticated but not connected/i.exec(response);
      if (notConnected) return { stage: "command", response: `BAD ${notConnected[0]}.` };
      return {
        stage: stage === "authenticated" ? "command" : stageOf(err, greeted),
        response,
      };
    },
    close: () => client.close(),
  });
};
