// `npm run verify -- [options]`: parses and validates the command line (pure). Every error
// names the option and what is allowed. The client secret is never an option: a value on the
// command line ends up in shell history, CI logs and `ps` output.
import {
  isDomainName,
  isEnvName,
  isGuid,
  isMailboxAddress,
  normaliseAddress,
} from "../../../components/identifiers";
import { didYouMean, matchChoice } from "../../../components/choices";
import { MAIL_ENDPOINTS, PROTOCOLS, type Protocol } from "../../../components/microsoft";
import { printable } from "../../../components/printable";
import {
  flagValue,
  listValue,
  parseCommandLine,
  renderHelp,
  type OptionSpec,
  type ToolSpec,
} from "../../cli/args";
import { UsageError } from "../../cli/errors";
import { DEFAULT_CERTIFICATE_PASSWORD_ENV } from "./certificate";

export const DEFAULT_SECRET_ENV = "EXO_OAUTH_CLIENT_SECRET";

export interface EndpointOverride {
  host?: string;
  port?: number;
  tls?: "implicit" | "starttls" | "none";
}

export interface VerifyOptions {
  stack?: string;
  tenant?: string;
  clientId?: string;
  clientSecretEnv: string;
  certificate?: string;
  /** The environment variable holding a PFX's password (default EXO_OAUTH_CERTIFICATE_PASSWORD). */
  certificatePasswordEnv: string;
  mailboxes: string[];
  protocols: Protocol[];
  endpoints: Record<Protocol, EndpointOverride>;
  authorityHost?: string;
  caFile?: string;
  scope?: string;
  sendTest?: string;
  /** Mailboxes to prove SendAs on (--send-as); default: the stack's `sendAs: true` mailboxes. */
  sendAs: string[];
  /** Send the token over plaintext to a host that is not loopback (--allow-plaintext). */
  allowPlaintext: boolean;
  /** ms; 0 = no retries. */
  waitMs: number;
  concurrency: number;
  /** ms per login. */
  timeoutMs: number;
  json: boolean;
  help: boolean;
}

/** The command line is wrong (exit 64): the kit's error (scripts/cli/errors.ts). */
export { UsageError };

const HOST = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i;
const TLS_MODES = ["implicit", "starttls", "none"] as const;

const str = (value: string, description: string, sensitive = false): OptionSpec => ({
  type: "string",
  value,
  description,
  ...(sensitive ? { sensitive } : {}),
});

const endpointOptions = Object.fromEntries(
  PROTOCOLS.flatMap((p) => [
    [`${p}-host`, str("<host>", `${p.toUpperCase()} server (default ${MAIL_ENDPOINTS[p].host})`)],
    [`${p}-port`, str("<port>", `${p.toUpperCase()} port (default ${MAIL_ENDPOINTS[p].port})`)],
    [
      `${p}-tls`,
      str("<implicit|starttls|none>", `${p.toUpperCase()} TLS (default ${MAIL_ENDPOINTS[p].tls})`),
    ],
  ]),
) as Record<string, OptionSpec>;

/** verify's command line, for the kit's parser and help (scripts/cli/args.ts). */
export const VERIFY_SPEC: ToolSpec = {
  invocation: "npm run verify --",
  summary:
    "Gets the app-only token (client credentials, scope https://outlook.office365.com/.default), then logs in to\n" +
    "IMAP, POP and SMTP with XOAUTH2 for every mailbox and explains each failure. Inputs default to the selected\n" +
    "stack's outputs (pulumi stack output --json --show-secrets).",
  options: {
    stack: str("<name>", "stack to read outputs from (default: the selected stack)"),
    tenant: str("<id|domain>", "tenant id (GUID) or its .onmicrosoft.com domain"),
    "client-id": str("<guid>", "the application (client) id"),
    "client-secret-env": str(
      "<NAME>",
      `environment variable holding the client secret (default ${DEFAULT_SECRET_ENV})`,
      true,
    ),
    certificate: str(
      "<file>",
      "use a certificate instead of a secret: a PEM with its private key, or a PFX (raw or base64, as the stack holds it)",
    ),
    "certificate-password-env": str(
      "<NAME>",
      `environment variable holding the PFX's password (default ${DEFAULT_CERTIFICATE_PASSWORD_ENV})`,
      true,
    ),
    mailbox: { ...str("<address>", "a mailbox to log in to"), multiple: true },
    protocol: {
      ...str("<imap|pop|smtp>", "only these protocols (or comma-separated; any letter case)"),
      multiple: true,
    },
    ...endpointOptions,
    "authority-host": str("<url>", "token authority (default https://login.microsoftonline.com)"),
    "ca-file": str("<pem file>", "extra CA certificate to trust (private servers, offline peers)"),
    scope: str("<scope>", "the scope to request (default https://outlook.office365.com/.default)"),
    "send-test": str(
      "<address>",
      "SMTP also sends a test message to this address (otherwise nothing is sent)",
    ),
    "send-as": {
      ...str(
        "<address>",
        "prove SendAs on this mailbox: log in with another SMTP mailbox and send as it (default: the stack's sendAs: true mailboxes)",
      ),
      multiple: true,
    },
    "allow-plaintext": {
      type: "boolean",
      description: "allow --*-tls none to a host that is not loopback (the token travels unencrypted)",
    },
    wait: str("<duration>", "retry failing logins with backoff until they pass or this ends (e.g. 20m)"),
    concurrency: str("<n>", "logins in parallel (default 4, 1..32)"),
    timeout: str("<duration>", "per login (default 30s)"),
    json: { type: "boolean", description: 'one JSON document on stdout (docs/operations.md, "JSON output")' },
  },
  refused: {
    // Never echo the value: it is the secret.
    "client-secret":
      `--client-secret is not accepted: a secret on the command line lands in shell history, CI logs and the process list. ` +
      `Put it in an environment variable (default ${DEFAULT_SECRET_ENV}; another name with --client-secret-env NAME), or use --certificate.`,
  },
  details:
    "Durations: 500ms, 45s, 20m, 1h, 1h30m. The client secret is never printed, and neither is the token (only its claims).",
  exitCodes: ["ok", "error", "usage", "input"],
};

/** The help text (what --help prints). */
export const USAGE = renderHelp(VERIFY_SPEC);

/** "20m", "1h30m", "45s", "500ms" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (!/^(\d+(ms|s|m|h))+$/.test(s)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** Parses argv (without node and script). Throws UsageError listing every problem. */
export function parseOptions(argv: string[]): VerifyOptions {
  const line = parseCommandLine(VERIFY_SPEC, argv);
  if (line.kind === "help") return { ...defaults(), help: true };
  const v = line.values;
  const errors: string[] = [];
  const strings: Record<string, string> = Object.fromEntries(
    Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
  const lists = {
    mailbox: listValue(v, "mailbox"),
    protocol: listValue(v, "protocol"),
    sendAs: listValue(v, "send-as"),
  };
  const opts: VerifyOptions = {
    ...defaults(),
    json: flagValue(v, "json"),
    allowPlaintext: flagValue(v, "allow-plaintext"),
  };
  if (strings.stack !== undefined) opts.stack = strings.stack;
  if (strings.tenant !== undefined) {
    if (isGuid(strings.tenant) || isDomainName(strings.tenant)) opts.tenant = strings.tenant;
    else
      errors.push(
        `--tenant ${shown(strings.tenant)} is not a tenant id (GUID) or domain (contoso.onmicrosoft.com)`,
      );
  }
  if (strings["client-id"] !== undefined) {
    if (isGuid(strings["client-id"])) opts.clientId = strings["client-id"];
    else
      errors.push(
        `--client-id ${shown(strings["client-id"])} is not a GUID: use the Application (client) ID`,
      );
  }
  if (strings["client-secret-env"] !== undefined) {
    if (isEnvName(strings["client-secret-env"])) opts.clientSecretEnv = strings["client-secret-env"];
    // The value might be a pasted secret: do not echo it.
    else
      errors.push(
        "--client-secret-env must be the NAME of an environment variable (letters, digits, _), not the secret itself",
      );
  }
  if (strings.certificate !== undefined) opts.certificate = strings.certificate;
  if (strings["certificate-password-env"] !== undefined) {
    if (isEnvName(strings["certificate-password-env"]))
      opts.certificatePasswordEnv = strings["certificate-password-env"];
    // The value might be a pasted password: do not echo it.
    else
      errors.push(
        "--certificate-password-env must be the NAME of an environment variable (letters, digits, _), not the password itself",
      );
  }
  const seen = new Set<string>();
  for (const m of lists.mailbox) {
    const address = normaliseAddress(m);
    if (!isMailboxAddress(address)) errors.push(`--mailbox ${shown(m)} is not an email address`);
    else if (seen.has(address)) errors.push(`--mailbox ${shown(m)} is given twice`);
    else {
      seen.add(address);
      opts.mailboxes.push(address);
    }
  }
  for (const m of lists.sendAs) {
    const address = normaliseAddress(m);
    if (!isMailboxAddress(address)) errors.push(`--send-as ${shown(m)} is not an email address`);
    else if (!opts.sendAs.includes(address)) opts.sendAs.push(address);
  }
  // Any letter case, normalised; a misspelt one gets the closest (components/choices.ts).
  for (const given of lists.protocol.flatMap((x) => x.split(",")).map((x) => x.trim())) {
    const p = matchChoice(given, PROTOCOLS);
    if (!p)
      errors.push(
        `--protocol ${shown(given)} is not one of ${PROTOCOLS.join(", ")}${didYouMean(given, PROTOCOLS)}`,
      );
    else if (!opts.protocols.includes(p)) opts.protocols.push(p);
  }
  for (const p of PROTOCOLS) {
    const host = strings[`${p}-host`];
    if (host !== undefined) {
      if (HOST.test(host)) opts.endpoints[p].host = host;
      else errors.push(`--${p}-host ${shown(host)} is not a host name or IP address`);
    }
    const port = strings[`${p}-port`];
    if (port !== undefined) {
      const n = Number(port);
      if (/^\d+$/.test(port) && n >= 1 && n <= 65535) opts.endpoints[p].port = n;
      else errors.push(`--${p}-port ${shown(port)} is not a port number (1..65535)`);
    }
    const tls = strings[`${p}-tls`];
    if (tls !== undefined) {
      const mode = matchChoice(tls, TLS_MODES);
      if (mode) opts.endpoints[p].tls = mode;
      else
        errors.push(
          `--${p}-tls ${shown(tls)} is not one of ${TLS_MODES.join(", ")}${didYouMean(tls, TLS_MODES)}`,
        );
    }
  }
  // The token in the clear only to this machine, unless asked for (docs/security.md).
  for (const p of PROTOCOLS) {
    const e = opts.endpoints[p];
    const host = e.host ?? MAIL_ENDPOINTS[p].host;
    if (e.tls === "none" && !isLoopback(host) && !opts.allowPlaintext)
      errors.push(
        `--${p}-tls none would send the token unencrypted to ${shown(host)}: only a loopback host (127.0.0.1, ::1, localhost) may be reached without TLS; add --allow-plaintext to do it anyway`,
      );
  }
  if (strings["authority-host"] !== undefined) {
    const v = strings["authority-host"];
    let url: URL | undefined;
    try {
      url = new URL(v);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== "https:" || (url.pathname !== "/" && url.pathname !== "") || url.search)
      errors.push(
        `--authority-host ${shown(v)} must be an https URL with no path, e.g. https://login.microsoftonline.com`,
      );
    else opts.authorityHost = url.origin;
  }
  if (strings["ca-file"] !== undefined) opts.caFile = strings["ca-file"];
  if (strings.scope !== undefined) {
    if (/^\S+$/.test(strings.scope)) opts.scope = strings.scope;
    else
      errors.push(
        `--scope ${shown(strings.scope)} must be one scope, e.g. https://outlook.office365.com/.default`,
      );
  }
  if (strings["send-test"] !== undefined) {
    if (isMailboxAddress(strings["send-test"].trim())) opts.sendTest = strings["send-test"].trim();
    else errors.push(`--send-test ${shown(strings["send-test"])} is not an email address`);
  }
  if (strings.wait !== undefined) {
    const ms = parseDuration(strings.wait);
    if (ms === undefined || ms > 24 * 3_600_000)
      errors.push(`--wait ${shown(strings.wait)} is not a duration up to 24h (e.g. 30s, 20m, 1h30m)`);
    else opts.waitMs = ms;
  }
  if (strings.timeout !== undefined) {
    const ms = parseDuration(strings.timeout);
    if (ms === undefined || ms < 100 || ms > 600_000)
      errors.push(`--timeout ${shown(strings.timeout)} is not a duration from 100ms to 10m (e.g. 30s)`);
    else opts.timeoutMs = ms;
  }
  if (strings.concurrency !== undefined) {
    const n = Number(strings.concurrency);
    if (/^\d+$/.test(strings.concurrency) && n >= 1 && n <= 32) opts.concurrency = n;
    else errors.push(`--concurrency ${shown(strings.concurrency)} is not a whole number from 1 to 32`);
  }
  if (errors.length > 0) throw new UsageError(errors.join("\n"));
  return opts;
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts a token may travel to without TLS by default. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function defaults(): VerifyOptions {
  return {
    clientSecretEnv: DEFAULT_SECRET_ENV,
    certificatePasswordEnv: DEFAULT_CERTIFICATE_PASSWORD_ENV,
    mailboxes: [],
    protocols: [],
    sendAs: [],
    allowPlaintext: false,
    endpoints: { imap: {}, pop: {}, smtp: {} },
    waitMs: 0,
    concurrency: 4,
    timeoutMs: 30_000,
    json: false,
    help: false,
  };
}

/** A value as a message quotes it: escaped (components/printable.ts), in quotes. */
function shown(value: string): string {
  return `"${printable(value)}"`;
}
