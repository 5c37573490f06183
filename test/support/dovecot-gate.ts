// Dovecot tests run where Dovecot and its Lua passdb are installed. Elsewhere they are reported
// SKIPPED with the reason — except in CI (CI=true), where .ci/run installs Dovecot, so a missing
// Dovecot must fail the run rather than skip it.
import { dovecotAvailability } from "../../scripts/offline-tenant/mail-peers/dovecot";

const availability = dovecotAvailability();
export const inCi = process.env.CI === "true";
export const dovecotMissingReason = availability.available ? undefined : availability.reason;
/** True when the Dovecot tests must be skipped (not installed, not CI). */
export const skipDovecot = dovecotMissingReason !== undefined && !inCi;

if (dovecotMissingReason !== undefined)
  console.warn(
    inCi
      ? `Dovecot tests will FAIL: CI=true and ${dovecotMissingReason}`
      : `Dovecot tests SKIPPED: ${dovecotMissingReason}`,
  );
