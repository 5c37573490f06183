// The guard's rules, pure: the stack's outputs and the live credentials in, the findings out. A
// problem fails the run (exit 1); a note is printed only. Each problem says what was found, what it
// means for consumers and what to do (docs/operations.md, "The expiry guard").
import { count } from "../../cli/words";
import type { LiveCredentials } from "./live";

const DAY_MS = 86_400_000;

export interface ExpiryInputs {
  /** The --stack given (undefined: the selected stack). */
  stack?: string;
  clientId: string;
  keyId: string;
  /** RFC 3339 (the stack's clientSecretExpiresAt). */
  expiresAt: string;
  /** RFC 3339 (the stack's nextRotationAt). */
  nextRotationAt: string;
  live: LiveCredentials | { status: "not-read" };
  now: Date;
  minDays: number;
  maxOverdueDays: number;
}

export interface ExpiryFindings {
  /** The end that counts: the live one when Entra has the key, else the output's. ISO 8601. */
  expiresAt: string;
  /** Days left, one decimal; negative once expired. */
  daysLeft: number;
  /** Days nextRotationAt lies in the past (0 when in the future), one decimal. */
  overdueDays: number;
  problems: string[];
  notes: string[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const fix = (stack: string | undefined) => `run \`pulumi up --refresh${stack ? ` --stack ${stack}` : ""}\``;

export function evaluateExpiry(i: ExpiryInputs): ExpiryFindings {
  const problems: string[] = [];
  const notes: string[] = [];
  let expiresAt = i.expiresAt;
  const what = `The published client secret (key id ${i.keyId}) of application ${i.clientId}`;
  if (i.live.status === "no-application")
    problems.push(
      `Application ${i.clientId} is not in the tenant: Graph lists no application with that appId, so every ` +
        `consumer's token request fails (AADSTS700016). Check that the ARM_* sign-in is the stack's tenant; if it ` +
        `is, the application was deleted: ${fix(i.stack)} to create it again, then hand the new settings to the app.`,
    );
  else if (i.live.status === "read") {
    const live = i.live.passwords.find((p) => p.keyId === i.keyId);
    if (!live)
      problems.push(
        `${what} is not in the tenant: Entra lists ${count(i.live.passwords.length, "other secret")} and not this one ` +
          `(deleted by hand, or removed after it expired). Consumers get AADSTS7000215 now. ${fix(i.stack)[0].toUpperCase()}` +
          `${fix(i.stack).slice(1)}: the refresh notices the deletion and the same run publishes a new secret ` +
          `(docs/operations.md, "A secret deleted by hand").`,
      );
    else if (Date.parse(live.endDateTime) !== Date.parse(i.expiresAt)) {
      notes.push(
        `Entra says the secret ends at ${live.endDateTime}, the stack's output says ${i.expiresAt}: the earlier counts.`,
      );
      if (Date.parse(live.endDateTime) < Date.parse(i.expiresAt)) expiresAt = live.endDateTime;
    }
  } else if (i.live.status === "unavailable")
    notes.push(`The live secrets were not checked: ${i.live.reason}.`);
  const daysLeft = round1((Date.parse(expiresAt) - i.now.getTime()) / DAY_MS);
  if (daysLeft <= 0)
    problems.push(
      `${what} expired at ${expiresAt}, ${-daysLeft} days ago: consumers get AADSTS7000222. ${fix(i.stack)[0].toUpperCase()}` +
        `${fix(i.stack).slice(1)} now and hand the new secret to the app.`,
    );
  else if (daysLeft < i.minDays)
    problems.push(
      `${what} expires at ${expiresAt}, in ${daysLeft} days: fewer than --min-days ${i.minDays}. A daily ` +
        `\`pulumi up --refresh\` publishes a new one at each rotation (nextRotationAt ${i.nextRotationAt}); check that ` +
        `the scheduled run still runs and succeeds, then ${fix(i.stack)}.`,
    );
  const overdueDays = round1(Math.max(0, i.now.getTime() - Date.parse(i.nextRotationAt)) / DAY_MS);
  if (overdueDays > i.maxOverdueDays)
    problems.push(
      `The rotation is overdue: nextRotationAt ${i.nextRotationAt} passed ${overdueDays} days ago (more than ` +
        `--max-overdue-days ${i.maxOverdueDays}), so no \`pulumi up\` of ${i.stack ? `stack ${i.stack}` : "the stack"} has succeeded since. The ` +
        `schedule stopped or its runs fail: look at the last scheduled run, then ${fix(i.stack)}.`,
    );
  return { expiresAt, daysLeft, overdueDays, problems, notes };
}
