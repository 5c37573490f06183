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
import { PROTOCOLS, type Protocol } from "../../../components/microsoft";

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
  mailboxes: string[];
  protocols: Protocol[];
  endpoints: Record<Protocol, EndpointOverride>;
  authorityHost?: string;
  caFile?: string;
  scope?: string;
  sendTest?: string;
  /** ms; 0 = no retries. */
  waitMs: number;
  concurrency: number;
  /** ms per login. */
  timeoutMs: number;
  json: boolean;
  help: boolean;
}

export class UsageError extends Error {}

const HOST = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i;

export const USAGE = `Usage: npm run verify -- [options]

Gets the app-only token (client credentials, scope https://outlook.office365.com/.default),
then logs in to IMAP, POP and SMTP with XOAUTH2 for every mailbox and explains each failure.
Inputs default to the selected stack's outputs (pulumi stack output --json --show-secrets).

Inputs
  --stack <name>              stack to read outputs from (default: the selected stack)
  --tenant <id|domain>        tenant id (GUID) or its .onmicrosoft.com domain
  --client-id <guid>          the application (client) id
  --client-secret-env <NAME>  environment variable holding the client secret (default ${DEFAULT_SECRET_ENV})
  --certificate <pem file>    use a certificate (PEM with its private key) instead of a secret
  --mailbox <address>         a mailbox to log in to (repeatable)
  --protocol <imap|pop|smtp>  only these protocols (repeatable, or comma-separated)
Servers (default: Exchange Online)
  --imap-host/--imap-port     outlook.office365.com 993 (TLS)
  --pop-host/--pop-port       outlook.office365.com 995 (TLS)
  --smtp-host/--smtp-port     smtp.office365.com 587 (STARTTLS)
  --imap-tls/--pop-tls/--smtp-tls <implicit|starttls|none>
  --authority-host <url>      token authority (default https://login.microsoftonline.com)
  --ca-file <pem file>        extra CA certificate to trust (private servers, offline peers)
  --scope <scope>             the scope to request (default https://outlook.office365.com/.default)
Behaviour
  --send-test <address>       SMTP also sends a test message to this address (otherwise nothing is sent)
  --wait <duration>           retry failing logins with backoff until they pass or this ends (e.g. 20m)
  --concurrency <n>           logins in parallel (default 4, 1..32)
  --timeout <duration>        per login (default 30s)
  --json                      JSON report on stdout instead of the table
  --help

Durations: 500ms, 45s, 20m, 1h, 1h30m. Exit code 0 only if every expected login passed;
1 if a login or the token failed; 2 for a usage or input error.
The client secret is never printed, and neither is the token (only its claims).`;

/** "20m", "1h30m", "45s", "500ms" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (!/^(\d+(ms|s|m|h))+$/.test(s)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

type Kind = "string" | "list" | "flag";
const SPEC: Record<string, Kind> = {
  stack: "string",
  tenant: "string",
  "client-id": "string",
  "client-secret-env": "string",
  certificate: "string",
  mailbox: "list",
  protocol: "list",
  "imap-host": "string",
  "imap-port": "string",
  "imap-tls": "string",
  "pop-host": "string",
  "pop-port": "string",
  "pop-tls": "string",
  "smtp-host": "string",
  "smtp-port": "string",
  "smtp-tls": "string",
  "authority-host": "string",
  "ca-file": "string",
  scope: "string",
  "send-test": "string",
  wait: "string",
  concurrency: "string",
  timeout: "string",
  json: "flag",
  help: "flag",
};

/** Parses argv (without node and script). Throws UsageError listing every problem. */
export function parseOptions(argv: string[]): VerifyOptions {
  const errors: string[] = [];
  const strings: Record<string, string> = {};
  const lists: Record<string, string[]> = { mailbox: [], protocol: [] };
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      errors.push(`Unexpected argument "${arg}": options start with -- (see --help)`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (name === "client-secret") {
      // Never echo the value: it is the secret.
      errors.push(
        `--client-secret is not accepted: a secret on the command line lands in shell history, CI logs and the process list. Put it in an environment variable (default ${DEFAULT_SECRET_ENV}; another name with --client-secret-env NAME), or use --certificate.`,
      );
      if (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) i++;
      continue;
    }
    const kind = SPEC[name];
    if (!kind) {
      errors.push(
        `Unknown option --${name}. Allowed: ${Object.keys(SPEC)
          .map((k) => `--${k}`)
          .join(", ")}`,
      );
      // Skip its value unechoed: a misspelt --client-secret is followed by the secret.
      if (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) i++;
      continue;
    }
    if (kind === "flag") {
      if (inline !== undefined) errors.push(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
        errors.push(`--${name} needs a value`);
        continue;
      }
      value = argv[++i];
    }
    if (kind === "list") lists[name].push(value);
    else if (strings[name] !== undefined)
      errors.push(
        name === "client-secret-env" // the value might be a pasted secret: do not echo it
          ? `--${name} is given twice: give it once`
          : `--${name} is given twice ("${strings[name]}" and "${value}"): give it once`,
      );
    else strings[name] = value;
  }

  const opts: VerifyOptions = {
    clientSecretEnv: DEFAULT_SECRET_ENV,
    mailboxes: [],
    protocols: [],
    endpoints: { imap: {}, pop: {}, smtp: {} },
    waitMs: 0,
    concurrency: 4,
    timeoutMs: 30_000,
    json: flags.has("json"),
    help: flags.has("help"),
  };
  if (strings.stack !== undefined) opts.stack = strings.stack;
  if (strings.tenant !== undefined) {
    if (isGuid(strings.tenant) || isDomainName(strings.tenant)) opts.tenant = strings.tenant;
    else
      errors.push(
        `--tenant "${strings.tenant}" is not a tenant id (GUID) or domain (contoso.onmicrosoft.com)`,
      );
  }
  if (strings["client-id"] !== undefined) {
    if (isGuid(strings["client-id"])) opts.clientId = strings["client-id"];
    else errors.push(`--client-id "${strings["client-id"]}" is not a GUID: use the Application (client) ID`);
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
  const seen = new Set<string>();
  for (const m of lists.mailbox) {
    const address = normaliseAddress(m);
    if (!isMailboxAddress(address)) errors.push(`--mailbox "${m}" is not an email address`);
    else if (seen.has(address)) errors.push(`--mailbox "${m}" is given twice`);
    else {
      seen.add(address);
      opts.mailboxes.push(address);
    }
  }
  for (const p of lists.protocol.flatMap((v) => v.split(",")).map((v) => v.trim().toLowerCase())) {
    if (!(PROTOCOLS as readonly string[]).includes(p))
      errors.push(`--protocol "${p}" is not one of ${PROTOCOLS.join(", ")}`);
    else if (!opts.protocols.includes(p as Protocol)) opts.protocols.push(p as Protocol);
  }
  for (const p of PROTOCOLS) {
    const host = strings[`${p}-host`];
    if (host !== undefined) {
      if (HOST.test(host)) opts.endpoints[p].host = host;
      else errors.push(`--${p}-host "${host}" is not a host name or IP address`);
    }
    const port = strings[`${p}-port`];
    if (port !== undefined) {
      const n = Number(port);
      if (/^\d+$/.test(port) && n >= 1 && n <= 65535) opts.endpoints[p].port = n;
      else errors.push(`--${p}-port "${port}" is not a port number (1..65535)`);
    }
    const tls = strings[`${p}-tls`];
    if (tls !== undefined) {
      if (tls === "implicit" || tls === "starttls" || tls === "none") opts.endpoints[p].tls = tls;
      else errors.push(`--${p}-tls "${tls}" is not one of implicit, starttls, none`);
    }
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
        `--authority-host "${v}" must be an https URL with no path, e.g. https://login.microsoftonline.com`,
      );
    else opts.authorityHost = url.origin;
  }
  if (strings["ca-file"] !== undefined) opts.caFile = strings["ca-file"];
  if (strings.scope !== undefined) {
    if (/^\S+$/.test(strings.scope)) opts.scope = strings.scope;
    else
      errors.push(
        `--scope "${strings.scope}" must be one scope, e.g. https://outlook.office365.com/.default`,
      );
  }
  if (strings["send-test"] !== undefined) {
    if (isMailboxAddress(strings["send-test"].trim())) opts.sendTest = strings["send-test"].trim();
    else errors.push(`--send-test "${strings["send-test"]}" is not an email address`);
  }
  if (strings.wait !== undefined) {
    const ms = parseDuration(strings.wait);
    if (ms === undefined || ms > 24 * 3_600_000)
      errors.push(`--wait "${strings.wait}" is not a duration up to 24h (e.g. 30s, 20m, 1h30m)`);
    else opts.waitMs = ms;
  }
  if (strings.timeout !== undefined) {
    const ms = parseDuration(strings.timeout);
    if (ms === undefined || ms < 100 || ms > 600_000)
      errors.push(`--timeout "${strings.timeout}" is not a duration from 100ms to 10m (e.g. 30s)`);
    else opts.timeoutMs = ms;
  }
  if (strings.concurrency !== undefined) {
    const n = Number(strings.concurrency);
    if (/^\d+$/.test(strings.concurrency) && n >= 1 && n <= 32) opts.concurrency = n;
    else errors.push(`--concurrency "${strings.concurrency}" is not a whole number from 1 to 32`);
  }
  if (errors.length > 0) throw new UsageError(errors.join("\n"));
  return opts;
}
