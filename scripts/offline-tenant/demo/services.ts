// The offline tenant's network side for the demo and `serve`: the Entra token endpoint and the mail
// peers (Dovecot for IMAP/POP, the SMTP peer), all on loopback over the ONE tenant state file, on
// one clock (docs/offline-tenant.md, "The Entra token issuer", "The mail peers"). Where Dovecot is
// not installed, IMAP and POP are left out (`imapPop` says why) and the rest still runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTokenIssuer, type TokenIssuer } from "../entra/token-issuer";
import { dovecotAvailability, startMailPeers, type PeerEndpoint } from "../mail-peers";
import { startChecker } from "../mail-peers/checker";
import { startSmtpPeer } from "../mail-peers/smtp-peer";
import { createLocalhostCert } from "../tls";

/** What installs Dovecot with its Lua passdb (docs/development.md, "Dovecot"). */
export const DOVECOT_INSTALL = "apt-get install dovecot-core dovecot-imapd dovecot-pop3d dovecot-auth-lua";

export interface ServiceOptions {
  statePath: string;
  /** Where the CA file and the peers' certificates go (removed by the caller). */
  dir: string;
  /** The clock the issuer signs with and the peers check tokens against. Default: the system clock. */
  now?: () => Date;
}

export interface OfflineEndpoints {
  /** IMAP over implicit TLS (like outlook.office365.com:993); absent without Dovecot. */
  imap?: PeerEndpoint;
  /** POP3 over implicit TLS (like :995); absent without Dovecot. */
  pop?: PeerEndpoint;
  /** SMTP submission with STARTTLS (like smtp.office365.com:587). */
  smtp: PeerEndpoint;
}

export interface OfflineServices {
  issuer: TokenIssuer;
  endpoints: OfflineEndpoints;
  /** PEM file trusting the issuer's and the peers' certificates. */
  caFile: string;
  /** Undefined when IMAP and POP run; else why not and what installs them. */
  imapPop?: { skipped: string; install: string };
  /** PIDs of the Dovecot master and its children (for the no-leftovers checks). */
  pids(): number[];
  stop(): Promise<void>;
}

export async function startServices(o: ServiceOptions): Promise<OfflineServices> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const issuer = await startTokenIssuer({ statePath: o.statePath, now: o.now });
    stops.push(() => issuer.close());
    const dovecot = dovecotAvailability();
    let endpoints: OfflineEndpoints;
    let ca: string;
    let pids: () => number[] = () => [];
    if (dovecot.available) {
      const peers = await startMailPeers({
        statePath: o.statePath,
        jwks: issuer.jwks,
        now: o.now,
      });
      stops.push(() => peers.stop());
      endpoints = { imap: peers.imaps, pop: peers.pop3s, smtp: peers.smtp };
      ca = peers.ca;
      pids = () => [peers.dovecot.pid, ...peers.dovecot.childPids()];
    } else {
      // Without Dovecot: the checker and the SMTP peer only, as startMailPeers wires them.
      const cert = createLocalhostCert(join(o.dir, "mail-peers", "tls"));
      const checker = await startChecker({ statePath: o.statePath, jwks: issuer.jwks, now: o.now });
      stops.push(() => checker.stop());
      const smtp = await startSmtpPeer({
        check: checker.check,
        statePath: o.statePath,
        cert: cert.cert,
        key: cert.key,
      });
      stops.push(() => smtp.stop());
      endpoints = { smtp: { host: "127.0.0.1", port: smtp.port, tls: "starttls" } };
      ca = cert.cert;
    }
    mkdirSync(o.dir, { recursive: true });
    const caFile = join(o.dir, "ca.pem");
    writeFileSync(caFile, issuer.ca + ca);
    return {
      issuer,
      endpoints,
      caFile,
      ...(dovecot.available ? {} : { imapPop: { skipped: dovecot.reason, install: DOVECOT_INSTALL } }),
      pids,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
