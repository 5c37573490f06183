// The contract every mail login (IMAP, POP3, SMTP) implements, so the verify tool can run
// them alike, in parallel, with a timeout, and diagnose their failures.
import type { Protocol } from "../../../components/microsoft";

export interface LoginOptions {
  host: string;
  port: number;
  /** implicit = TLS from the first byte (993/995); starttls = upgrade (587); none = plaintext (tests only). */
  tls: "implicit" | "starttls" | "none";
  /** The mailbox address, sent as `user=` in the XOAUTH2 initial response. */
  mailbox: string;
  /** The bearer token. Never logged, never part of an error message. */
  accessToken: string;
  /** The whole login, from connect to logout, must finish within this. */
  timeoutMs: number;
  /** Extra CA certificate(s) to trust (offline peers use a self-signed certificate). */
  ca?: string | Buffer;
  /** TLS server name, when it differs from host. */
  servername?: string;
  /** SMTP only: after the login, send one small test message from the mailbox to this address (`--send-test`). */
  sendTestTo?: string;
  /**
   * SMTP only: the send-as check. After logging in as `mailbox`, submit one small message with this
   * address as envelope sender and From: (to `sendTestTo`, else to this address itself), so Exchange
   * decides SendAs at submission (docs/microsoft-contract.md, "Recipient permissions (SendAs)").
   */
  sendAs?: string;
}

/** Where a failed login stopped. */
export type LoginStage = "connect" | "tls" | "greeting" | "auth" | "command" | "timeout";

export type LoginResult =
  | { ok: true; protocol: Protocol; ms: number; detail?: string }
  | {
      ok: false;
      protocol: Protocol;
      ms: number;
      stage: LoginStage;
      /** The server's reply (e.g. `NO AUTHENTICATE failed.`, `535 5.7.139 …`), or the local error text. Never contains the token. */
      serverResponse: string;
    };

export type Login = (opts: LoginOptions) => Promise<LoginResult>;
