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
// A killed run prints nothing, so the next run reads the record of the run before. That is
// safe because the record is only a lower bound of "ours" for revocation: every run observes
// Exchange first, adopts desired grants it finds present, and revokes a recorded grant only
// if Exchange still shows it.
import { addressProblem, isGuid, normaliseAddress } from "../identifiers";
import { printableJson } from "../printable";
import type { BlockedProtocol, ManagedState } from "./state";

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

function validate(v: Record<string, unknown>, source: string): ManagedRecord {
  const where = `Reading the previous record from ${source}`;
  if (v.schema !== RECORD_SCHEMA)
    throw new Error(
      `${where}: schema ${JSON.stringify(v.schema)} is not supported (expected ${RECORD_SCHEMA})`,
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
