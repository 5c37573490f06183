// Which permission rows belong to OUR Exchange service principal — without depending on one
// property no public transcript confirms. Exchange's service principal is expected to carry a
// `Sid` and permission rows a `UserSid` / `TrusteeSidString` (docs/microsoft-contract.md, "Object shapes"); when
// both sides carry one they must be equal. When either is missing, the rows still come from
// Get-MailboxPermission -User <principal> / Get-RecipientPermission -Trustee <principal>, so
// Exchange's own server-side filter vouches for them. Built-in principals (NT AUTHORITY\SELF,
// SYSTEM) never count as ours, whatever a filter returned. Pure functions; observe.ts uses them.

/** Well-known SIDs of built-in principals: never our service principal. */
const BUILT_IN_SIDS = new Set(["S-1-5-10", "S-1-5-18", "S-1-5-19", "S-1-5-20"]);

export interface PrincipalIdentity {
  appId: string;
  objectId: string;
  displayName: string;
  /** "" when Exchange's object carried no Sid. */
  sid: string;
  /** Set when the Sid was missing: says so and which properties did arrive. */
  notice?: string;
}

/** Exchange's service principal object → what matching needs. Throws when it has no ObjectId/Identity. */
export function principalFromObject(o: Record<string, unknown>): PrincipalIdentity {
  const objectId = text(o.ObjectId) || text(o.Identity);
  const appId = text(o.AppId);
  if (!objectId)
    throw new Error(
      `Reading Exchange's service principal for AppId ${appId || "(none)"}: it has no ObjectId or Identity; properties that arrived: ${propertyList(o)}`,
    );
  const sid = text(o.Sid);
  return {
    appId,
    objectId,
    displayName: text(o.DisplayName),
    sid,
    ...(sid
      ? {}
      : {
          notice:
            `Exchange's service principal ${objectId} (AppId ${appId}) arrived without a Sid; properties that arrived: ${propertyList(o)}. ` +
            `Grants are matched by Exchange's own -User/-Trustee filter instead of by SID`,
        }),
  };
}

/**
 * Whether a row Get-MailboxPermission -User / Get-RecipientPermission -Trustee returned is our
 * principal's. `sidField`/`nameField`: "UserSid"/"User" or "TrusteeSidString"/"Trustee".
 */
export function isOurRow(
  row: Record<string, unknown>,
  sidField: "UserSid" | "TrusteeSidString",
  nameField: "User" | "Trustee",
  sid: string,
): boolean {
  const rowSid = text(row[sidField]);
  if (BUILT_IN_SIDS.has(rowSid.toUpperCase()) || /^NT AUTHORITY\\/i.test(text(row[nameField]))) return false;
  if (sid && rowSid) return rowSid.toUpperCase() === sid.toUpperCase();
  return true; // one side has no SID: the server-side filter that produced the row vouches for it
}

function text(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

function propertyList(o: Record<string, unknown>): string {
  const names = Object.keys(o).sort();
  return names.length ? names.join(", ") : "none";
}
