// What a consuming mail app needs, from the stack's outputs (components/outputs.ts): tenant, client
// id, token endpoint, scope, the servers of the granted protocols (components/microsoft.ts
// MAIL_ENDPOINTS; docs/microsoft-contract.md, "Endpoints"), the mailboxes with their protocols, and
// the secret only when asked for. Pure: outputs in, settings out; an output missing or malformed is
// listed by name.
import { isGuid } from "../../../components/identifiers";
import { MAIL_ENDPOINTS, PROTOCOLS, type Protocol } from "../../../components/microsoft";
import type { StackOutputsJson } from "../../../components/outputs";

export interface ConsumerSettings {
  tenantId: string;
  clientId: string;
  /** https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token */
  tokenEndpoint: string;
  /** https://outlook.office365.com/.default */
  scope: string;
  servers: Partial<Record<Protocol, { host: string; port: number; tls: "implicit" | "starttls" }>>;
  mailboxes: { address: string; protocols: Protocol[] }[];
  /** RFC 3339: when the secret expires, and when the next one is published (re-read it then). */
  clientSecretExpiresAt: string;
  nextRotationAt: string;
  /** Only with --include-secret. */
  clientSecret?: string;
}

const isProtocol = (p: unknown): p is Protocol => (PROTOCOLS as readonly unknown[]).includes(p);
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** The settings, or the list of outputs that are missing or not what the program exports. */
export function consumerSettings(
  o: StackOutputsJson,
  includeSecret: boolean,
): { ok: true; settings: ConsumerSettings } | { ok: false; missing: string[] } {
  const missing: string[] = [];
  const need = (name: keyof StackOutputsJson, ok: boolean) => (ok ? undefined : missing.push(name));
  need("tenantId", isGuid(String(o.tenantId)));
  need("clientId", isGuid(String(o.clientId)));
  need("tokenEndpoint", str(o.tokenEndpoint)?.startsWith("https://") === true);
  need("scope", str(o.scope) !== undefined);
  need("protocols", Array.isArray(o.protocols) && o.protocols.every(isProtocol));
  need(
    "mailboxes",
    Array.isArray(o.mailboxes) &&
      o.mailboxes.every((m) => typeof (m as { address?: unknown })?.address === "string"),
  );
  need("clientSecretExpiresAt", str(o.clientSecretExpiresAt) !== undefined);
  need("nextRotationAt", str(o.nextRotationAt) !== undefined);
  const secret = str(o.clientSecret);
  if (includeSecret) need("clientSecret", secret !== undefined && secret !== "[secret]");
  if (missing.length > 0) return { ok: false, missing };
  const protocols = (o.protocols as Protocol[]).filter(isProtocol);
  return {
    ok: true,
    settings: {
      tenantId: o.tenantId as string,
      clientId: o.clientId as string,
      tokenEndpoint: o.tokenEndpoint as string,
      scope: o.scope as string,
      servers: Object.fromEntries(protocols.map((p) => [p, { ...MAIL_ENDPOINTS[p] }])),
      mailboxes: (o.mailboxes as { address: string; protocols?: unknown }[]).map((m) => ({
        address: m.address,
        protocols: Array.isArray(m.protocols) ? m.protocols.filter(isProtocol) : protocols,
      })),
      clientSecretExpiresAt: o.clientSecretExpiresAt as string,
      nextRotationAt: o.nextRotationAt as string,
      ...(includeSecret ? { clientSecret: secret } : {}),
    },
  };
}
