// Hostile values for the names and addresses that reach generated PowerShell (the runbook) and
// the driver's decoder, tried on every surface that takes them: the stack config, the Command's
// environment at the driver, `npm run exchange -- runbook` (its environment and the previous
// record), and renderRunbook as the program calls it. Refused cases must name the key or
// variable and the character; accepted ones must render a runbook whose command list is exactly
// the expected cmdlets and whose literals evaluate to the values (test/support/runbook-inspect.ts).
import { formatConfigIssues, parseStackConfig } from "../../components/config";
import {
  DriverEnvironmentError,
  decodeDriverEnvironment,
  encodeDriverEnvironment,
} from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { formatRecord } from "../../components/exchange-step/record";
import { renderRunbook } from "../../components/exchange-step/runbook";
import { normaliseAddress } from "../../components/identifiers";
import { runDriver } from "../../scripts/exchange-driver/cli";
import { runbookDifferences, type RunbookInputs } from "../support/runbook-inspect";
import type { Attempt, HostileCase } from "./format";
import {
  APP_ID,
  HOSTILE_ADDRESSES,
  HOSTILE_TEXT,
  ORGANIZATION,
  PAYLOAD,
  SP_OBJECT_ID,
  TENANT_ID,
  displayNameAccepted,
} from "./values";

const CONFIG = {
  tenantId: TENANT_ID,
  organization: ORGANIZATION,
  mailboxes: ["helpdesk@contoso.com"] as unknown[],
  exchange: { connection: "manual" },
};
const DESIRED: RunbookInputs = {
  appId: APP_ID,
  servicePrincipalObjectId: SP_OBJECT_ID,
  displayName: "Mail OAuth",
  organization: ORGANIZATION,
  mailboxes: [{ address: "helpdesk@contoso.com", sendAs: true }],
};
const ENV = encodeDriverEnvironment({
  desired: DESIRED,
  connection: {
    connection: "managedIdentity",
    organization: ORGANIZATION,
    pwsh: "pwsh",
    retryDeadlineSeconds: 600,
  },
});

/** The stack config with `patch`, as the program would parse it, then its runbook. */
async function throughConfig(patch: Record<string, unknown>): Promise<Attempt> {
  const r = parseStackConfig({ stack: "dev", values: { ...CONFIG, ...patch }, secretKeys: new Set() });
  if (!r.ok) return { outcome: "refused", message: formatConfigIssues(r.issues) };
  const c = r.config;
  const inputs: RunbookInputs = {
    ...DESIRED,
    displayName: c.application.displayName,
    organization: c.organization,
    mailboxes: c.mailboxes.map((m) => ({ address: m.address, sendAs: m.sendAs })),
  };
  // The program's path: ExchangeMailboxAccess renders the runbook from the parsed config.
  return runbookAttempt(() => renderRunbook(inputs, { organization: c.organization }), inputs);
}

/** Renders, then reads the runbook back; a RunbookInputError is a refusal. */
async function runbookAttempt(render: () => string, inputs: RunbookInputs): Promise<Attempt> {
  let text: string;
  try {
    text = render();
  } catch (err) {
    if ((err as Error).name === "RunbookInputError")
      return { outcome: "refused", message: (err as Error).message };
    throw err;
  }
  const differences = await runbookDifferences(text, inputs);
  return { outcome: "accepted", harmless: differences.length === 0, detail: differences.join("; ") };
}

/** The driver's decoder on the Command's environment with `patch`. */
function throughDecoder(
  patch: Record<string, string>,
  check: (s: ReturnType<typeof decodeDriverEnvironment>) => boolean,
): Attempt {
  try {
    const settings = decodeDriverEnvironment({ ...ENV, ...patch });
    return {
      outcome: "accepted",
      harmless: check(settings),
      detail: "the decoded value differs from the one given",
    };
  } catch (err) {
    if (err instanceof DriverEnvironmentError) return { outcome: "refused", message: err.message };
    throw err;
  }
}

/** `npm run exchange -- runbook` with the environment patched; the runbook read back when printed. */
async function throughRunbookCommand(patch: Record<string, string>, inputs: RunbookInputs): Promise<Attempt> {
  let stdout = "";
  let stderr = "";
  const run = await runDriver(["runbook"], {
    env: { ...ENV, ...patch },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  if (run.code !== 0) {
    if (stdout !== "")
      return { outcome: "accepted", harmless: false, detail: `exit ${run.code} but printed a runbook` };
    return { outcome: "refused", message: stderr };
  }
  const differences = await runbookDifferences(stdout, inputs);
  return { outcome: "accepted", harmless: differences.length === 0, detail: differences.join("; ") };
}

function displayNameCases(): HostileCase[] {
  return HOSTILE_TEXT.flatMap((h): HostileCase[] => {
    const expect = displayNameAccepted(h) ? "accepted safely" : "refused";
    const says = (key: string) => [
      key,
      ...(h.invisible ? [h.invisible] : h.value.length > 120 ? ["at most 120"] : []),
    ];
    const inputs = { ...DESIRED, displayName: h.value };
    return [
      {
        name: `stack config application.displayName: ${h.label}`,
        area: "stack config",
        expect,
        says: says("exo-oauth:application.displayName"),
        attempt: () => throughConfig({ application: { displayName: h.value } }),
      },
      {
        name: `driver environment EXO_OAUTH_DISPLAY_NAME: ${h.label}`,
        area: "driver environment",
        expect,
        says: says("EXO_OAUTH_DISPLAY_NAME"),
        attempt: () =>
          throughDecoder({ [DRIVER_ENV.displayName]: h.value }, (s) => s.desired.displayName === h.value),
      },
      {
        name: `npm run exchange -- runbook, EXO_OAUTH_DISPLAY_NAME: ${h.label}`,
        area: "npm run exchange -- runbook",
        expect,
        says: says("EXO_OAUTH_DISPLAY_NAME"),
        attempt: () => throughRunbookCommand({ [DRIVER_ENV.displayName]: h.value }, inputs),
      },
      {
        name: `renderRunbook displayName (the program's runbook): ${h.label}`,
        area: "renderRunbook",
        expect,
        says: says("displayName"),
        attempt: () => runbookAttempt(() => renderRunbook(inputs, { organization: ORGANIZATION }), inputs),
      },
    ];
  });
}

function organizationCases(): HostileCase[] {
  const values = [
    { label: "the reported '> ; Remove-Mailbox ; #'", value: `x>'; ${PAYLOAD}; #` },
    ...HOSTILE_TEXT.map((h) => ({ ...h, value: `contoso.onmicrosoft.com${h.value}` })),
  ];
  return values.flatMap((h): HostileCase[] => {
    const says = (key: string) => [key, "invisible" in h && h.invisible ? h.invisible : "onmicrosoft.com"];
    const inputs = { ...DESIRED, organization: h.value };
    return [
      {
        name: `stack config organization: ${h.label}`,
        area: "stack config",
        expect: "refused",
        says: says("exo-oauth:organization"),
        attempt: () => throughConfig({ organization: h.value }),
      },
      {
        name: `driver environment EXO_OAUTH_ORGANIZATION: ${h.label}`,
        area: "driver environment",
        expect: "refused",
        says: says("EXO_OAUTH_ORGANIZATION"),
        attempt: () => throughDecoder({ [DRIVER_ENV.organization]: h.value }, () => false),
      },
      {
        name: `npm run exchange -- runbook, EXO_OAUTH_ORGANIZATION: ${h.label}`,
        area: "npm run exchange -- runbook",
        expect: "refused",
        says: says("EXO_OAUTH_ORGANIZATION"),
        attempt: () => throughRunbookCommand({ [DRIVER_ENV.organization]: h.value }, inputs),
      },
      {
        name: `renderRunbook organization (the program's runbook): ${h.label}`,
        area: "renderRunbook",
        expect: "refused",
        says: says("organization"),
        attempt: () => runbookAttempt(() => renderRunbook(inputs, { organization: h.value }), inputs),
      },
    ];
  });
}

function addressCases(): HostileCase[] {
  return HOSTILE_ADDRESSES.flatMap((a): HostileCase[] => {
    const expect = a.accepted ? "accepted safely" : "refused";
    const mailboxes = [{ address: a.value, sendAs: true }];
    const inputs = { ...DESIRED, mailboxes };
    const revokeInputs = { ...DESIRED, revoke: [{ address: a.value, fullAccess: true, sendAs: true }] };
    const record = formatRecord({
      appId: APP_ID,
      servicePrincipal: { objectId: SP_OBJECT_ID, sid: "S-1-5-21-1-2-3-4", displayName: "Mail OAuth" },
      mailboxes: [{ address: a.value, fullAccess: true, sendAs: true }],
    });
    return [
      {
        name: `stack config mailboxes[0]: ${a.label}`,
        area: "stack config",
        expect,
        says: ["exo-oauth:mailboxes[0]", ...(a.says ?? [])],
        attempt: () => throughConfig({ mailboxes: [{ address: a.value, sendAs: true }] }),
      },
      {
        name: `driver environment EXO_OAUTH_MAILBOXES: ${a.label}`,
        area: "driver environment",
        expect,
        says: ["EXO_OAUTH_MAILBOXES[0].address", ...(a.says ?? [])],
        attempt: () =>
          throughDecoder(
            { [DRIVER_ENV.mailboxes]: JSON.stringify(mailboxes) },
            (s) => s.desired.mailboxes[0]?.address === normaliseAddress(a.value),
          ),
      },
      {
        name: `npm run exchange -- runbook, EXO_OAUTH_MAILBOXES: ${a.label}`,
        area: "npm run exchange -- runbook",
        expect,
        says: ["EXO_OAUTH_MAILBOXES[0].address", ...(a.says ?? [])],
        attempt: () => throughRunbookCommand({ [DRIVER_ENV.mailboxes]: JSON.stringify(mailboxes) }, inputs),
      },
      {
        name: `npm run exchange -- runbook, the previous record's address: ${a.label}`,
        area: "npm run exchange -- runbook",
        expect,
        // Refused where the record is read, naming its entry (components/exchange-step/record.ts).
        says: ["the previous record", "mailboxes[0].address", ...(a.says ?? [])],
        attempt: () => throughRunbookCommand({ [DRIVER_ENV.previousStdout]: record }, revokeInputs),
      },
    ];
  });
}

function duplicateCases(): HostileCase[] {
  return [
    {
      name: "stack config mailboxes: help<U+200B>desk next to helpdesk",
      area: "stack config",
      expect: "refused",
      says: ["exo-oauth:mailboxes[1]", "U+200B ZERO WIDTH SPACE"],
      attempt: () => throughConfig({ mailboxes: ["helpdesk@contoso.com", "help\u200bdesk@contoso.com"] }),
    },
    {
      name: "driver environment EXO_OAUTH_MAILBOXES: help<U+200B>desk next to helpdesk",
      area: "driver environment",
      expect: "refused",
      says: ["EXO_OAUTH_MAILBOXES[1].address", "U+200B ZERO WIDTH SPACE"],
      attempt: () =>
        throughDecoder(
          {
            [DRIVER_ENV.mailboxes]: JSON.stringify([
              { address: "helpdesk@contoso.com", sendAs: false },
              { address: "help\u200bdesk@contoso.com", sendAs: false },
            ]),
          },
          () => false,
        ),
    },
    {
      name: "stack config mailboxes: HELPDESK next to helpdesk",
      area: "stack config",
      expect: "refused",
      says: ["exo-oauth:mailboxes[1]", "repeats exo-oauth:mailboxes[0]"],
      attempt: () => throughConfig({ mailboxes: ["helpdesk@contoso.com", "HELPDESK@contoso.com"] }),
    },
  ];
}

function idCases(): HostileCase[] {
  return HOSTILE_TEXT.filter((h) => h.invisible).map((h): HostileCase => ({
    name: `driver environment EXO_OAUTH_APP_ID: a GUID then ${h.label}`,
    area: "driver environment",
    expect: "refused",
    says: ["EXO_OAUTH_APP_ID", h.invisible!],
    attempt: () => throughDecoder({ [DRIVER_ENV.appId]: `${APP_ID}${h.value}` }, () => false),
  }));
}

export const cases: HostileCase[] = [
  ...displayNameCases(),
  ...organizationCases(),
  ...addressCases(),
  ...duplicateCases(),
  ...idCases(),
];
