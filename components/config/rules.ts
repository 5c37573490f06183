// Rules across fields, on the raw values: duplicates, mailbox protocols within the app's, the
// secret's limits (components/rotationSchedule.ts rotationLimitProblems) and the secret-ness of
// the Exchange credentials. Each part is re-validated on its own, so a broken neighbour does not
// hide them (docs/configuration.md, "Reference").
import { addressKey, isGuid } from "../identifiers";
import { PROTOCOLS } from "../microsoft";
import { rotationLimitProblems } from "../rotationSchedule";
import { formatPath, type Path, type PendingIssue } from "./messages";
import { addressSchema, protocolList, protocolSchema, secretFields } from "./schema";
import type { RawStackConfig } from "./types";

const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function duplicateIssues(
  list: unknown[] | undefined,
  at: Path,
  key: (item: unknown) => string | undefined,
  itemPath: (i: number) => Path,
  what: string,
): PendingIssue[] {
  const out: PendingIssue[] = [];
  const seen = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else
      out.push({
        path: itemPath(i),
        message: `{value} repeats ${formatPath([...at, first])}${what}; list each once`,
      });
  });
  return out;
}

/** A protocol in its one spelling (any letter case is accepted), or undefined. */
const validProtocol = (v: unknown) => {
  const parsed = protocolSchema.safeParse(v);
  return parsed.success ? parsed.data : undefined;
};

function duplicatesIssues(values: Record<string, unknown>): PendingIssue[] {
  // Each protocol, owner and mailbox (in any letter case) once.
  const owners = asArray(asObject(values.application)?.owners);
  const mailboxes = asArray(values.mailboxes);
  const addressOf = (entry: unknown) => {
    const parsed = addressSchema.safeParse(typeof entry === "string" ? entry : asObject(entry)?.address);
    return parsed.success ? addressKey(parsed.data) : undefined;
  };
  return [
    ...duplicateIssues(asArray(values.protocols), ["protocols"], validProtocol, (i) => ["protocols", i], ""),
    ...duplicateIssues(
      owners,
      ["application", "owners"],
      (v) => (typeof v === "string" && isGuid(v) ? v.toLowerCase() : undefined),
      (i) => ["application", "owners", i],
      "",
    ),
    ...duplicateIssues(
      mailboxes,
      ["mailboxes"],
      addressOf,
      (i) => (typeof mailboxes?.[i] === "string" ? ["mailboxes", i] : ["mailboxes", i, "address"]),
      " (addresses are not case-sensitive)",
    ),
  ];
}

function mailboxProtocolIssues(values: Record<string, unknown>): PendingIssue[] {
  // A mailbox's protocols: each once, and within the application's.
  const out: PendingIssue[] = [];
  const parsedApp = protocolList("").safeParse(values.protocols);
  const allowed =
    values.protocols === undefined
      ? new Set<string>(PROTOCOLS)
      : parsedApp.success
        ? new Set<string>(parsedApp.data)
        : undefined;
  (asArray(values.mailboxes) ?? []).forEach((entry, i) => {
    const list = asArray(asObject(entry)?.protocols);
    if (!list) return;
    const at: Path = ["mailboxes", i, "protocols"];
    out.push(...duplicateIssues(list, at, validProtocol, (j) => [...at, j], ""));
    if (!allowed) return; // exo-oauth:protocols is broken itself and reported as such
    list.forEach((p, j) => {
      const v = validProtocol(p);
      if (v !== undefined && !allowed.has(v))
        out.push({
          path: [...at, j],
          message:
            `{value} is not one of the application's protocols (${formatPath(["protocols"])}: ` +
            `${[...allowed].join(", ")}); add it there or remove it here`,
        });
    });
  });
  return out;
}

function secretIssues(values: Record<string, unknown>): PendingIssue[] {
  // Each password lives two periods plus grace, within maxLifetimeDays (else Microsoft's cap);
  // grace at most a period.
  const secret = values.secret === undefined ? {} : asObject(values.secret);
  if (!secret) return [];
  const rotation = secretFields.rotationDays.safeParse(secret.rotationDays);
  const grace = secretFields.graceDays.safeParse(secret.graceDays);
  const limit = secretFields.maxLifetimeDays.safeParse(secret.maxLifetimeDays);
  if (!rotation.success || !grace.success || !limit.success) return []; // reported by the schema
  return rotationLimitProblems(rotation.data, grace.data, limit.data).map((p) => ({
    path: p.about === "lifetime" ? ["secret"] : ["secret", p.about],
    message: p.message,
  }));
}

function credentialIssues(raw: RawStackConfig): PendingIssue[] {
  // Exchange credentials: only ever in a secret config key.
  const exchange = asObject(raw.values.exchange);
  if (!exchange || raw.secretKeys.has("exchange")) return [];
  return ["certificate", "certificatePassword"]
    .filter((field) => exchange[field] !== undefined)
    .map((field) => ({
      path: ["exchange", field],
      message:
        `is in plain text: ${formatPath(["exchange"])} must be a Pulumi secret when it holds a ${field === "certificate" ? "certificate" : "password"}; ` +
        `set it with pulumi config set --path --secret ${formatPath(["exchange", field])} ` +
        (field === "certificate" ? `"$(base64 -w0 exchange-app.pfx)"` : `'<password>'`),
    }));
}

/** Every rule across fields, on the raw values. */
export function crossFieldIssues(raw: RawStackConfig): PendingIssue[] {
  return [
    ...duplicatesIssues(raw.values),
    ...mailboxProtocolIssues(raw.values),
    ...secretIssues(raw.values),
    ...credentialIssues(raw),
  ];
}
