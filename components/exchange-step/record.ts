// The managed-state record: what the driver manages in Exchange, printed as its ONLY stdout.
// @pulumi/command keeps that stdout in state and hands it back to the next update and to
// delete as PULUMI_COMMAND_STDOUT (docs/pulumi-lifecycle.md), so removal touches only what it
// lists (docs/exchange-step.md, "The record"). No secrets: ids, SID, display name and mailbox
// addresses only. The JSON shape is a stored contract: deployed stacks hold it byte for byte.
//
// Shape (one JSON line):
//   {"schema":"exo-oauth/exchange-record@1","appId":"<client id>",
//    "servicePrincipal":{"objectId":"<Entra SP object id>","sid":"S-1-5-21-…","displayName":"…"} | null,
//    "mailboxes":[{"address":"billing@contoso.com","fullAccess":true,"sendAs":true}, …],
//    "blocked":[{"mailbox":"billing@contoso.com","protocol":"POP","switch":"PopEnabled"}, …]}   (only when any)
//
// A record whose plain line is over 64 KiB (about 1,000 mailboxes) is printed in the compact form
// exo-oauth/exchange-record@2 (./record-compact.ts): PULUMI_COMMAND_STDOUT is one environment string,
// which Linux caps at 128 KiB. parseRecord reads both forms into the same ManagedRecord.
//
// A killed run prints nothing, so the next run reads the record of the run before. That is
// safe because the record is only a lower bound of "ours" for revocation: every run observes
// Exchange first, adopts desired grants it finds present, and revokes a recorded grant only
// if Exchange still shows it.
import { addressProblem, isGuid, normaliseAddress } from "../identifiers";
import { printableJson } from "../printable";
import type { BlockedProtocol, ManagedState } from "./state";
import {
  COMPACT_ENCODING,
  COMPACT_RECORD_SCHEMA,
  PLAIN_RECORD_LIMIT,
  RECORD_LINE_LIMIT,
  decodeEntries,
  encodeEntries,
} from "./record-compact";

export type { BlockedProtocol };

export const RECORD_SCHEMA = "exo-oauth/exchange-record@1";

/** The record as printed: ManagedState (its optional `blocked` included: verify names those first) and the schema. */
export interface ManagedRecord extends ManagedState {
  schema: typeof RECORD_SCHEMA;
}

export function toRecord(state: ManagedState): ManagedRecord {
  return {
    schema: RECORD_SCHEMA,
    appId: state.appId,
    servicePrincipal: state.servicePrincipal
      ? {
          objectId: state.servicePrincipal.objectId,
          sid: state.servicePrincipal.sid,
          displayName: state.servicePrincipal.displayName,
        }
      : null,
    mailboxes: [...state.mailboxes]
      .map((m) => ({ address: normaliseAddress(m.address), fullAccess: m.fullAccess, sendAs: m.sendAs }))
      .sort((a, b) => a.address.localeCompare(b.address)),
    ...(state.blocked?.length
      ? {
          blocked: state.blocked.map((b) => ({
            mailbox: normaliseAddress(b.mailbox),
            protocol: b.protocol,
            switch: b.switch,
          })),
        }
      : {}),
  };
}

export function formatRecord(state: ManagedState): string {
  return JSON.stringify(toRecord(state));
}

/**
 * The line the driver prints as its stdout (the Command keeps it): the plain record, with C1/bidi
 * characters as \u escapes (printableJson), when it takes at most PLAIN_RECORD_LIMIT bytes; else the
 * compact exo-oauth/exchange-record@2 line (./record-compact.ts), escaped the same way, without the
 * blocked protocols when they alone would take it over RECORD_LINE_LIMIT. No trailing newline.
 */
export function serializeRecord(state: ManagedState): string {
  const record = toRecord(state);
  const plain = printableJson(record);
  if (Buffer.byteLength(plain) <= PLAIN_RECORD_LIMIT) return plain;
  const compact = (blocked: BlockedProtocol[]) =>
    // printableJson too: the header's display name is Exchange's, which the config's rule never saw.
    printableJson({
      schema: COMPACT_RECORD_SCHEMA,
      appId: record.appId,
      servicePrincipal: record.servicePrincipal,
      mailboxCount: record.mailboxes.length,
      blockedCount: blocked.length,
      encoding: COMPACT_ENCODING,
      entries: encodeEntries({ mailboxes: record.mailboxes, blocked }),
    });
  const line = compact(record.blocked ?? []);
  // The config's size rule (recordTooLarge of recordOfMailboxes) counts no blocked protocols: the
  // driver reads them at run time, up to three a mailbox. They only tell verify what to name first,
  // so when they would push the line over what the next update can get back they are left out
  // (recordLeavesOutBlocked); the mailboxes, which removal needs, always stay.
  return Buffer.byteLength(line) <= RECORD_LINE_LIMIT || !record.blocked?.length ? line : compact([]);
}

/** True when serializeRecord(state) leaves state's blocked protocols out to stay under RECORD_LINE_LIMIT. */
export function recordLeavesOutBlocked(state: ManagedState, line = serializeRecord(state)): boolean {
  return (
    (state.blocked?.length ?? 0) > 0 && (JSON.parse(line) as { blockedCount?: number }).blockedCount === 0
  );
}

/**
 * Null when the record of `state` fits the one environment string @pulumi/command hands it back
 * in (RECORD_LINE_LIMIT); else what is wrong and what to do, without the key's name (callers name
 * it: exo-oauth:mailboxes, EXO_OAUTH_MAILBOXES). Checked before anything is touched: by the
 * program at preview and by the driver's decoder (validate.ts mailboxProblems).
 */
export function recordTooLarge(state: ManagedState): string | null {
  const bytes = Buffer.byteLength(serializeRecord(state));
  if (bytes <= RECORD_LINE_LIMIT) return null;
  return (
    `the record of ${state.mailboxes.length} mailboxes would take ${bytes} bytes even compressed, over the ` +
    `${RECORD_LINE_LIMIT} bytes it may take: @pulumi/command hands the record back to the next update and to destroy in ONE ` +
    `environment variable (PULUMI_COMMAND_STDOUT), which Linux caps at 128 KiB. Split the mailboxes across stacks ` +
    `(docs/exchange-step.md, "How big a record can be")`
  );
}

/** The largest record the desired mailboxes can make (a principal with the longest names), for recordTooLarge. */
export function recordOfMailboxes(mailboxes: readonly { address: string; sendAs: boolean }[]): ManagedState {
  return {
    appId: "00000000-0000-4000-8000-000000000000",
    servicePrincipal: {
      objectId: "00000000-0000-4000-8000-000000000000",
      sid: "S-1-5-21-4294967295-4294967295-4294967295-4294967295",
      displayName: "x".repeat(256),
    },
    mailboxes: mailboxes.map((m) => ({
      address: normaliseAddress(m.address),
      fullAccess: true,
      sendAs: m.sendAs,
    })),
  };
}

/**
 * Reads the previous run's stdout. Empty or absent = nothing managed yet (first create).
 * Anything else that is not a record fails loudly: forgetting a record would leave grants
 * behind on the next removal.
 */
export function parseRecord(
  stdout: string | undefined,
  source = "PULUMI_COMMAND_STDOUT",
): ManagedRecord | null {
  const text = (stdout ?? "").trim();
  if (text === "") return null;
  // The whole text (our stdout, or `pulumi stack output exchangeRecord --json`, pretty-printed);
  // else the last line that parses, to be tolerant of anything a wrapper printed before it.
  const lines = [text, ...text.split(/\r?\n/).reverse()];
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (isRecordLike(value)) return validate(value, source);
  }
  throw new Error(
    `Reading the previous record from ${source}: no line is a ${RECORD_SCHEMA} JSON record ` +
      `(got ${text.length} characters starting ${JSON.stringify(text.slice(0, 40))})`,
  );
}

function isRecordLike(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && (v as { schema?: unknown }).schema !== undefined;
}

/** A compact (@2) record → the plain shape, for validate. */
function expand(v: Record<string, unknown>, where: string): Record<string, unknown> {
  const { mailboxCount, blockedCount, encoding, entries } = v;
  if (encoding !== COMPACT_ENCODING)
    throw new Error(
      `${where}: encoding ${printableJson(encoding)} is not supported (expected ${COMPACT_ENCODING})`,
    );
  if (!Number.isSafeInteger(mailboxCount) || (mailboxCount as number) < 0)
    throw new Error(`${where}: mailboxCount must be a whole number`);
  if (!Number.isSafeInteger(blockedCount) || (blockedCount as number) < 0)
    throw new Error(`${where}: blockedCount must be a whole number`);
  if (typeof entries !== "string") throw new Error(`${where}: entries must be a string`);
  let decoded;
  try {
    decoded = decodeEntries(entries, mailboxCount as number, blockedCount as number);
  } catch (err) {
    throw new Error(
      `${where}: ${(err as Error).message}; give the record the stack holds (pulumi stack output exchangeRecord --json)`,
    );
  }
  return {
    schema: RECORD_SCHEMA,
    appId: v.appId,
    servicePrincipal: v.servicePrincipal,
    mailboxes: decoded.mailboxes,
    ...(decoded.blocked.length ? { blocked: decoded.blocked } : {}),
  };
}

function validate(raw: Record<string, unknown>, source: string): ManagedRecord {
  const where = `Reading the previous record from ${source}`;
  const v = raw.schema === COMPACT_RECORD_SCHEMA ? expand(raw, where) : raw;
  if (v.schema !== RECORD_SCHEMA)
    throw new Error(
      `${where}: schema ${JSON.stringify(v.schema)} is not supported (expected ${RECORD_SCHEMA} or ${COMPACT_RECORD_SCHEMA})`,
    );
  if (typeof v.appId !== "string") throw new Error(`${where}: appId must be a string`);
  const sp = v.servicePrincipal;
  if (sp !== null) {
    const o = sp as Record<string, unknown>;
    if (typeof o !== "object" || typeof o.objectId !== "string" || typeof o.sid !== "string")
      throw new Error(`${where}: servicePrincipal must be null or {objectId, sid, displayName}`);
  }
  if (!Array.isArray(v.mailboxes)) throw new Error(`${where}: mailboxes must be an array`);
  for (const [i, m] of (v.mailboxes as unknown[]).entries()) {
    const o = m as Record<string, unknown>;
    if (
      typeof o !== "object" ||
      o === null ||
      typeof o.address !== "string" ||
      typeof o.fullAccess !== "boolean" ||
      typeof o.sendAs !== "boolean"
    )
      throw new Error(`${where}: mailboxes[${i}] must be {address, fullAccess, sendAs}`);
    // Only the primary SMTP address, as the driver writes it: an alias ("CEO"), a distinguished name
    // ("CN=hr,…") or a display name would make Exchange resolve a mailbox the config names another
    // way, and a removal revoke a grant the config asks for (docs/security.md, "The record").
    const problem = addressProblem(o.address);
    const shown = `mailboxes[${i}].address ${printableJson(o.address)}`;
    const advice =
      "a record lists mailboxes only by the SMTP address the driver wrote. Nothing was changed: give the " +
      "record the stack holds (pulumi stack output exchangeRecord --json), or remove the entry";
    if (problem) throw new Error(`${where}: ${shown} is not an email address: ${problem.reason}; ${advice}`);
    if (o.address !== normaliseAddress(o.address))
      throw new Error(
        `${where}: ${shown} is not written as the driver writes it (lower case, no spaces at the ends); ${advice}`,
      );
  }
  if (!isGuid(v.appId)) throw new Error(`${where}: appId ${printableJson(v.appId)} is not a GUID`);
  if (sp !== null && !isGuid((sp as { objectId: string }).objectId))
    throw new Error(
      `${where}: servicePrincipal.objectId ${printableJson((sp as { objectId: string }).objectId)} is not a GUID`,
    );
  if (v.blocked !== undefined) {
    const ok =
      Array.isArray(v.blocked) &&
      v.blocked.every((b: unknown) => {
        const o = b as Record<string, unknown>;
        return (
          typeof o === "object" &&
          o !== null &&
          typeof o.mailbox === "string" &&
          ["IMAP", "POP", "SMTP"].includes(o.protocol as string) &&
          typeof o.switch === "string"
        );
      });
    if (!ok)
      throw new Error(`${where}: blocked must be an array of {mailbox, protocol: IMAP|POP|SMTP, switch}`);
  }
  return toRecord(v as unknown as ManagedState);
}

/**
 * The record as the stack's `exchangeRecord` output holds it (an object, or its JSON text), e.g.
 * read back through a StackReference. Absent → null; anything that is not a record → an Error
 * naming `source`.
 */
export function recordFromStackOutput(
  value: unknown,
  source = "the stack output exchangeRecord",
): ManagedRecord | null {
  if (value === undefined || value === null) return null;
  return parseRecord(typeof value === "string" ? value : JSON.stringify(value), source);
}
