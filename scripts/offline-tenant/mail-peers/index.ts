// Starts every offline mail peer at once: the checker, a private Dovecot (IMAP/POP3, plain and
// TLS) and the SMTP submission peer, sharing one self-signed localhost certificate.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalhostCert } from "../tls";
import { startAfterLoginFront } from "./after-login-front";
import {
  DEFERRABLE_REASONS,
  startChecker,
  type CheckReason,
  type CheckRequest,
  type CheckResult,
  type DeferrableReason,
  type Jwks,
} from "./checker";
import { startDovecot, type DovecotInstance } from "./dovecot";
import { startSmtpPeer, type AcceptedMessage } from "./smtp-peer";

export { checkLogin, checkSendAs, startChecker } from "./checker";
export type { CheckReason, CheckRequest, CheckResult, DeferrableReason, Jwks };

/** The environment knob that sets `refuseAfterLogin` for the demo and serve (a stable interface). */
export const REFUSE_AFTER_LOGIN_ENV = "EXO_PEER_REFUSE_AFTER_LOGIN";

/**
 * Parses `EXO_PEER_REFUSE_AFTER_LOGIN` (comma-separated reasons; empty or unset = none). Throws,
 * naming the value and what is allowed, on an unknown reason: a misspelt knob would never fire.
 */
export function parseRefuseAfterLogin(text: string | undefined): DeferrableReason[] {
  const items = (text ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  for (const item of items)
    if (!(DEFERRABLE_REASONS as readonly string[]).includes(item))
      throw new Error(
        `${REFUSE_AFTER_LOGIN_ENV}: '${item}' is not a reason that can be refused after the login; allowed: ${DEFERRABLE_REASONS.join(", ")}`,
      );
  return items as DeferrableReason[];
}
export { dovecotAvailability } from "./dovecot";

/** Where a client connects; spreads into the verify tool's LoginOptions. */
export interface PeerEndpoint {
  host: string;
  port: number;
  tls: "implicit" | "starttls" | "none";
}

export interface MailPeersOptions {
  /** The offline tenant state file (re-read for every login). */
  statePath: string;
  /** The issuer's JWKS in-process, or its URL (fetched, refetched on an unknown kid). */
  jwks: Jwks | string;
  /** CA for fetching an https JWKS URL. */
  jwksCa?: string | Buffer;
  /** Working directory for Dovecot and the certificate (default: a fresh temp dir, removed by stop()). */
  runDir?: string;
  /** Checker clock skew, seconds (default 300 like Microsoft.IdentityModel). */
  clockSkewSec?: number;
  /** The checker's clock (default: the system clock): give the token issuer's when it is simulated. */
  now?: () => Date;
  /**
   * Refusals the peers accept at login and refuse after it, as Exchange does (IMAP: `BAD User is
   * authenticated but not connected.` at the next command; POP: `-ERR …` likewise; SMTP: `550 5.7.60`
   * at MAIL FROM). Default: $EXO_PEER_REFUSE_AFTER_LOGIN, else none. With any, the TLS IMAP and POP
   * endpoints are served by the after-login front (after-login-front.ts) before Dovecot.
   */
  refuseAfterLogin?: DeferrableReason[];
  /** Observes every check (never sees the token). */
  onCheck?: (req: Omit<CheckRequest, "token">, result: CheckResult) => void;
}

export interface MailPeers {
  /** IMAP, plaintext (tests only) and implicit TLS (993-like). */
  imap: PeerEndpoint;
  imaps: PeerEndpoint;
  /** POP3, plaintext (tests only) and implicit TLS (995-like). */
  pop3: PeerEndpoint;
  pop3s: PeerEndpoint;
  /** SMTP submission with STARTTLS (587-like). */
  smtp: PeerEndpoint;
  /** PEM of the peers' self-signed certificate: pass as LoginOptions.ca. */
  ca: string;
  checkerUrl: string;
  check(req: CheckRequest): Promise<CheckResult>;
  /** Messages the SMTP peer accepted. */
  smtpMessages: AcceptedMessage[];
  dovecot: Pick<DovecotInstance, "pid" | "logPath" | "configPath" | "childPids">;
  stop(): Promise<void>;
}

/** Throws (naming what is missing) when Dovecot or its Lua passdb is not installed. */
export async function startMailPeers(opts: MailPeersOptions): Promise<MailPeers> {
  const ownDir = opts.runDir === undefined;
  const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), "exo-oauth-mail-peers-"));
  // Dovecot's unprivileged auth and mail processes must traverse it (mkdtemp makes it 0700).
  chmodSync(runDir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
    if (ownDir) rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const refuseAfterLogin =
      opts.refuseAfterLogin ?? parseRefuseAfterLogin(process.env[REFUSE_AFTER_LOGIN_ENV]);
    const cert = createLocalhostCert(join(runDir, "tls"));
    const checker = await startChecker({
      statePath: opts.statePath,
      jwks: opts.jwks,
      jwksCa: opts.jwksCa,
      clockSkewSec: opts.clockSkewSec,
      now: opts.now,
      onCheck: opts.onCheck,
      refuseAfterLogin,
    });
    stops.push(checker.stop);
    const dovecot = await startDovecot({
      runDir: join(runDir, "dovecot"),
      checkerUrl: checker.url,
      certPath: cert.certPath,
      keyPath: cert.keyPath,
    });
    stops.push(dovecot.stop);
    const smtp = await startSmtpPeer({
      check: checker.check,
      statePath: opts.statePath,
      cert: cert.cert,
      key: cert.key,
    });
    stops.push(smtp.stop);
    // Dovecot's TLS ports, or the after-login front's when a refusal is deferred (it relays to the plaintext ports).
    let imapsPort = dovecot.imaps.port;
    let pop3sPort = dovecot.pop3s.port;
    if (refuseAfterLogin.length > 0) {
      const common = { cert: cert.cert, key: cert.key, check: checker.check };
      const imapFront = await startAfterLoginFront({
        ...common,
        protocol: "imap",
        upstreamPort: dovecot.imap.port,
      });
      stops.push(imapFront.stop);
      const popFront = await startAfterLoginFront({
        ...common,
        protocol: "pop",
        upstreamPort: dovecot.pop3.port,
      });
      stops.push(popFront.stop);
      imapsPort = imapFront.port;
      pop3sPort = popFront.port;
    }
    const host = "127.0.0.1";
    return {
      imap: { host, port: dovecot.imap.port, tls: "none" },
      imaps: { host, port: imapsPort, tls: "implicit" },
      pop3: { host, port: dovecot.pop3.port, tls: "none" },
      pop3s: { host, port: pop3sPort, tls: "implicit" },
      smtp: { host, port: smtp.port, tls: "starttls" },
      ca: cert.cert,
      checkerUrl: checker.url,
      check: checker.check,
      smtpMessages: smtp.messages,
      dovecot: {
        pid: dovecot.pid,
        logPath: dovecot.logPath,
        configPath: dovecot.configPath,
        childPids: dovecot.childPids,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
