// Where verify's inputs come from: the selected stack's outputs (`pulumi stack output --json
// --show-secrets`), overridden by explicit options; the client secret from an environment
// variable (or the stack's `clientSecret` output), never from the command line.
import { isGuid, normaliseAddress } from "../../../components/identifiers";
import { MAIL_ENDPOINTS, OUTLOOK_SCOPE, PROTOCOLS, type Protocol } from "../../../components/microsoft";
import type { StackOutputName, StackOutputsJson } from "../../../components/outputs";
import type { BlockedProtocol } from "../../../components/exchange-step/record";
import { createRedactor } from "../../../components/redact";
import { InputError as ToolInputError, UsageError } from "../../cli/errors";
import { loadCertificate, type ConvertPfx } from "./certificate";
import { runPulumi } from "../../cli/pulumi";
import { isLoopback, type VerifyOptions } from "./options";
import { normaliseAuthorityHost, type ClientCredential } from "./token";

/** A missing or invalid input (exit 78): the kit's InputError, one problem per line. */
export class InputError extends ToolInputError {
  constructor(message: string) {
    super(message.split("\n"));
  }
}

/** The stack's outputs as the CLI printed them: names from components/outputs.ts, values unchecked. */
export type StackOutputsResult =
  { ok: true; outputs: StackOutputsJson } | { ok: false; reason: "no-cli" | "failed"; message: string };

export type ReadStackOutputs = (stack?: string) => Promise<StackOutputsResult>;

/** Runs the pulumi CLI (scripts/cli/pulumi.ts). Its stdout holds the secret: it is parsed, never echoed. */
export const readStackOutputs: ReadStackOutputs = async (stack) => {
  const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
  const r = await runPulumi(args, process.env);
  if (r.missing) return { ok: false, reason: "no-cli", message: "the pulumi CLI is not on PATH" };
  if (r.code !== 0) {
    const tail = createRedactor()(r.stderr).trim().split("\n").slice(-3).join(" ");
    return {
      ok: false,
      reason: "failed",
      message: `pulumi ${args.join(" ")} failed: ${tail || `exit ${r.code}`}`,
    };
  }
  try {
    const outputs = JSON.parse(r.stdout) as unknown;
    if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs))
      throw new Error("not an object");
    return { ok: true, outputs: outputs as StackOutputsJson };
  } catch {
    return { ok: false, reason: "failed", message: "pulumi stack output --json did not print a JSON object" };
  }
};

export interface VerifyTarget {
  mailbox: string;
  protocols: Protocol[];
}

export interface VerifyPlan {
  source: "stack" | "options";
  tenant: string;
  /** A GUID to compare the token's tid with (the stack's tenantId, or a GUID --tenant). */
  expectedTenantId?: string;
  clientId: string;
  credential: ClientCredential;
  authorityHost: string;
  scope: string;
  ca?: string;
  targets: VerifyTarget[];
  /** Mailboxes to send as (`sendAs: true` in the stack, or --send-as): each gets a send-as check. */
  sendAs: string[];
  /** Protocols the last Exchange run found switched off (the record's optional `blocked`). */
  blocked: BlockedProtocol[];
  /** What the report must say although nothing failed: a token sent without TLS, a key file others can read. */
  warnings: string[];
  endpoints: Record<Protocol, { host: string; port: number; tls: "implicit" | "starttls" | "none" }>;
}

function isProtocol(v: unknown): v is Protocol {
  return typeof v === "string" && (PROTOCOLS as readonly string[]).includes(v);
}

/** The `sendAs: true` mailboxes of the stack's `mailboxes` output. */
function stackSendAs(outputs: StackOutputsJson): string[] {
  const raw = outputs.mailboxes;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (m): m is { address: string; sendAs: true } =>
        typeof m === "object" &&
        m !== null &&
        typeof (m as { address?: unknown }).address === "string" &&
        (m as { sendAs?: unknown }).sendAs === true,
    )
    .map((m) => normaliseAddress(m.address));
}

/** The record's `blocked` list, entries of the documented shape only (components/exchange-step/record.ts). */
function stackBlocked(outputs: StackOutputsJson): BlockedProtocol[] {
  const record = outputs.exchangeRecord as { blocked?: unknown } | undefined;
  if (typeof record !== "object" || record === null || !Array.isArray(record.blocked)) return [];
  return record.blocked.filter(
    (b): b is BlockedProtocol =>
      typeof b === "object" &&
      b !== null &&
      typeof (b as BlockedProtocol).mailbox === "string" &&
      ["IMAP", "POP", "SMTP"].includes((b as BlockedProtocol).protocol) &&
      typeof (b as BlockedProtocol).switch === "string",
  );
}

/** The stack's `mailboxes` output: addresses, or { address, protocols } objects (normalised config). */
function stackTargets(outputs: StackOutputsJson, stackProtocols: Protocol[]): VerifyTarget[] {
  const raw = outputs.mailboxes;
  if (!Array.isArray(raw)) return [];
  const targets: VerifyTarget[] = [];
  for (const m of raw) {
    if (typeof m === "string") targets.push({ mailbox: normaliseAddress(m), protocols: stackProtocols });
    else if (
      typeof m === "object" &&
      m !== null &&
      typeof (m as { address?: unknown }).address === "string"
    ) {
      const p = (m as { protocols?: unknown }).protocols;
      targets.push({
        mailbox: normaliseAddress((m as { address: string }).address),
        protocols: Array.isArray(p) ? p.filter(isProtocol) : stackProtocols,
      });
    }
  }
  return targets;
}

export interface ResolveDeps {
  env: Record<string, string | undefined>;
  readStackOutputs: ReadStackOutputs;
  readFile: (path: string) => string;
  /** The file's permission bits (fs.statSync(path).mode); absent = not checked. */
  fileMode?: (path: string) => number;
  /** The file's bytes (a PFX is binary); absent = readFile's text. */
  readFileBytes?: (path: string) => Buffer;
  /** Reads a PFX (default: the system's openssl, certificate.ts). */
  convertPfx?: ConvertPfx;
}

export async function resolvePlan(opts: VerifyOptions, deps: ResolveDeps): Promise<VerifyPlan> {
  const explicit = opts.tenant !== undefined && opts.clientId !== undefined && opts.mailboxes.length > 0;
  let outputs: StackOutputsJson = {};
  if (!explicit) {
    const missing = [
      ...(opts.tenant ? [] : ["--tenant"]),
      ...(opts.clientId ? [] : ["--client-id"]),
      ...(opts.mailboxes.length ? [] : ["--mailbox"]),
    ];
    const read = await deps.readStackOutputs(opts.stack);
    if (!read.ok)
      throw new InputError(
        read.reason === "no-cli"
          ? `Reading the stack's outputs: the pulumi CLI is not on PATH. Give the inputs explicitly instead (missing: ${missing.join(", ")}), with the client secret in $${opts.clientSecretEnv} or --certificate <pem>.`
          : `Reading the stack's outputs: ${read.message}. Select a stack (--stack NAME, pulumi login) or give ${missing.join(", ")} explicitly.`,
      );
    outputs = read.outputs;
  }
  const str = (k: StackOutputName) =>
    typeof outputs[k] === "string" && outputs[k] !== "" ? (outputs[k] as string) : undefined;
  const errors: string[] = [];
  const tenant = opts.tenant ?? str("tenantId");
  const clientId = opts.clientId ?? str("clientId");
  if (!tenant) errors.push("No tenant: the stack has no tenantId output; pass --tenant");
  if (!clientId) errors.push("No client id: the stack has no clientId output; pass --client-id");

  const stackProtocols = Array.isArray(outputs.protocols)
    ? outputs.protocols.filter(isProtocol)
    : [...PROTOCOLS];
  let targets: VerifyTarget[] =
    opts.mailboxes.length > 0
      ? opts.mailboxes.map((mailbox) => ({
          mailbox,
          protocols: opts.protocols.length > 0 ? opts.protocols : stackProtocols,
        }))
      : stackTargets(outputs, stackProtocols);
  if (opts.protocols.length > 0)
    targets = targets.map((t) => ({
      ...t,
      protocols: t.protocols.filter((p) => opts.protocols.includes(p)),
    }));
  targets = targets.filter((t) => t.protocols.length > 0);
  if (targets.length === 0)
    errors.push(
      opts.mailboxes.length > 0 || Array.isArray(outputs.mailboxes)
        ? `Nothing to verify: no mailbox is configured for ${opts.protocols.join(", ")}`
        : "No mailboxes: the stack has no mailboxes output; pass --mailbox",
    );

  let credential: ClientCredential | undefined;
  if (opts.certificate !== undefined) {
    let bytes: Buffer | undefined;
    try {
      bytes = deps.readFileBytes
        ? deps.readFileBytes(opts.certificate)
        : Buffer.from(deps.readFile(opts.certificate), "utf8");
    } catch (err) {
      errors.push(
        `--certificate ${opts.certificate}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    if (bytes) {
      const load = loadCertificate(
        opts.certificate,
        bytes,
        { value: deps.env[opts.certificatePasswordEnv], env: opts.certificatePasswordEnv },
        deps.convertPfx,
      );
      if (load.ok) credential = { kind: "certificate", certificatePath: opts.certificate, pem: load.pem };
      // A form this machine cannot read is a command-line problem (exit 64), with the conversion.
      else if (load.kind === "usage") throw new UsageError(load.problem);
      else errors.push(load.problem);
    }
  } else {
    const fromEnv = deps.env[opts.clientSecretEnv];
    const fromStack = str("clientSecret");
    if (fromEnv) credential = { kind: "secret", secret: fromEnv };
    else if (fromStack) credential = { kind: "secret", secret: fromStack };
    else
      errors.push(
        `No client secret: $${opts.clientSecretEnv} is not set${explicit ? "" : " and the stack has no clientSecret output"}. Set it (another variable with --client-secret-env NAME), or pass --certificate <pem>.`,
      );
  }

  let ca: string | undefined;
  if (opts.caFile !== undefined) {
    try {
      ca = deps.readFile(opts.caFile);
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
        errors.push(`--ca-file ${opts.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
        ca = undefined;
      }
    } catch (err) {
      errors.push(
        `--ca-file ${opts.caFile}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  if (errors.length > 0 || !tenant || !clientId || !credential) throw new InputError(errors.join("\n"));

  const stackTenant = str("tenantId");
  const expectedTenantId =
    stackTenant && isGuid(stackTenant) ? stackTenant : isGuid(tenant) ? tenant : undefined;
  const endpoints = Object.fromEntries(
    PROTOCOLS.map((p) => [
      p,
      {
        host: opts.endpoints[p].host ?? MAIL_ENDPOINTS[p].host,
        port: opts.endpoints[p].port ?? MAIL_ENDPOINTS[p].port,
        tls: opts.endpoints[p].tls ?? MAIL_ENDPOINTS[p].tls,
      },
    ]),
  ) as VerifyPlan["endpoints"];
  const warnings: string[] = [];
  // Like ssh with a private key others can read, but a warning: the run goes on.
  if (credential.kind === "certificate" && deps.fileMode) {
    const mode = deps.fileMode(credential.certificatePath) & 0o777;
    if (mode & 0o077)
      warnings.push(
        `--certificate ${credential.certificatePath} holds a private key and is readable by ${mode & 0o007 ? "others" : "its group"} (mode ${mode.toString(8).padStart(4, "0")}): \`chmod 600 ${credential.certificatePath}\``,
      );
  }
  const used = new Set(targets.flatMap((t) => t.protocols));
  for (const p of PROTOCOLS) {
    const e = endpoints[p];
    if (used.has(p) && e.tls === "none")
      warnings.push(
        `${p.toUpperCase()} to ${e.host}:${e.port} without TLS: the token travelled unencrypted (${isLoopback(e.host) ? "a loopback host" : "--allow-plaintext"})`,
      );
  }
  return {
    source: explicit ? "options" : "stack",
    tenant,
    ...(expectedTenantId ? { expectedTenantId } : {}),
    clientId,
    credential,
    authorityHost: normaliseAuthorityHost(opts.authorityHost),
    scope: opts.scope ?? OUTLOOK_SCOPE,
    ...(ca ? { ca } : {}),
    targets,
    sendAs: opts.sendAs.length > 0 ? opts.sendAs : opts.mailboxes.length > 0 ? [] : stackSendAs(outputs),
    blocked: stackBlocked(outputs),
    warnings,
    endpoints,
  };
}
