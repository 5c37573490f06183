// The hazard of switching `exo-oauth:exchange.connection` to "manual" while the Exchange Command
// still holds grants (docs/exchange-step.md, "Switching to manual"). With "manual" the program
// declares no Command, so the update DELETES it, and its delete runs the stored remove string
// with the OLD environment: it revokes every grant the last record lists and removes the
// service principal from Exchange — the mailboxes lose app access until an admin runs the
// runbook, and if the old connection no longer signs in, the update fails half-way.
// Only the stack's own previous outputs (its `exchangeRecord`) tell the program what the Command
// holds. Pure: the caller warns with pulumi.log.warn at preview.
import type { ExchangeConnection } from "./settings";
import type { ManagedState } from "./state";

/**
 * A warning when `nextConnection` is "manual" and `previousRecord` (the stack's previous
 * `exchangeRecord` output, e.g. recordFromStackOutput(previous)) still lists grants or a service
 * principal; undefined otherwise (another mode, no previous record, or nothing held).
 */
export function manualSwitchHazard(
  previousRecord: ManagedState | null | undefined,
  nextConnection: ExchangeConnection,
): string | undefined {
  if (nextConnection !== "manual" || !previousRecord) return undefined;
  const fullAccess = previousRecord.mailboxes.filter((m) => m.fullAccess).map((m) => m.address);
  const sendAs = previousRecord.mailboxes.filter((m) => m.sendAs).map((m) => m.address);
  const sp = previousRecord.servicePrincipal;
  if (fullAccess.length === 0 && sendAs.length === 0 && sp === null) return undefined;

  const held = [
    fullAccess.length ? `FullAccess on ${fullAccess.join(", ")}` : "",
    sendAs.length ? `SendAs on ${sendAs.join(", ")}` : "",
    sp ? `the Exchange service principal ${sp.objectId} (AppId ${previousRecord.appId})` : "",
  ].filter(Boolean);
  return (
    `exo-oauth:exchange.connection is now "manual", but the Exchange Command of the previous deployment still holds ` +
    `${held.join("; ")}. Without a Command this update deletes it, and its delete revokes all of that with the ` +
    `previous connection settings: the mailboxes lose app access until an admin runs the exported runbook, and the ` +
    `update fails if that connection no longer signs in. To keep the grants, keep the previous connection until you ` +
    `mean to remove them. To remove them first, run \`pulumi stack output exchangeRecord --json > record.json\` and ` +
    `\`npm run exchange -- remove --record record.json\` for this stack (with its EXO_OAUTH_* settings, ` +
    `docs/operations.md), then switch to "manual".`
  );
}
