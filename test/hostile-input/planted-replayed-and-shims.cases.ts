// Hostile and careless inputs beyond names and addresses (issue #14, items 3 to 8): token variable
// names and values, the pipeline's credentials in the driver's environment, a pwsh planted in a
// parent folder's node_modules/.bin, crafted previous records, and hostile PowerShell processes.
// Each is tried on the real code: refused with a message naming what it names, or accepted and
// harmless (nothing reaches pwsh that should not, nothing planted runs, nothing is believed that a
// record cannot prove).
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { formatConfigIssues, parseStackConfig } from "../../components/config";
import {
  DriverEnvironmentError,
  decodeDriverEnvironment,
  encodeDriverEnvironment,
} from "../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../components/exchange-step/environment";
import { RECORD_SCHEMA, parseRecord } from "../../components/exchange-step/record";
import {
  COMPACT_ENCODING,
  COMPACT_RECORD_SCHEMA,
  encodeEntries,
} from "../../components/exchange-step/record-compact";
import type { ExchangeConnectionSettings } from "../../components/exchange-step/settings";
import { childEnvironment } from "../../scripts/exchange-driver/pwsh-env";
import { resolvePwsh } from "../../scripts/exchange-driver/pwsh-path";
import { trustedRecord } from "../../scripts/exchange-driver/record-guard";
import { HOSTILE_SHIMS, firstRequestError } from "../support/hostile-pwsh";
import type { Attempt, HostileCase } from "./format";
import { APP_ID, ORGANIZATION, SP_OBJECT_ID, TENANT_ID } from "./values";

const CONFIG = {
  tenantId: TENANT_ID,
  organization: ORGANIZATION,
  mailboxes: ["helpdesk@contoso.com"],
};
const ENV = encodeDriverEnvironment({
  desired: {
    appId: APP_ID,
    servicePrincipalObjectId: SP_OBJECT_ID,
    displayName: "Mail OAuth",
    mailboxes: [{ address: "helpdesk@contoso.com", sendAs: false }],
  },
  connection: {
    connection: "accessToken",
    accessTokenEnv: "EXO_ACCESS_TOKEN",
    organization: ORGANIZATION,
    pwsh: "pwsh",
    retryDeadlineSeconds: 600,
  },
});
const TOKEN =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.c2lnbmF0dXJl";
const PIPELINE_SECRETS: Record<string, string> = {
  ARM_CLIENT_SECRET: "arm-client-secret-value",
  PULUMI_ACCESS_TOKEN: "pul-0123456789abcdef",
  PULUMI_CONFIG_PASSPHRASE: "stack passphrase value",
  AZURE_CLIENT_SECRET: "azure-client-secret-value",
  NODE_OPTIONS: "--require /tmp/evil.js",
  AWS_SECRET_ACCESS_KEY: "aws-secret-access-key",
};
const NOT_TOKEN_NAMES = [
  "PATH",
  "HOME",
  "NODE_OPTIONS",
  "ARM_CLIENT_SECRET",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  "AZURE_CLIENT_SECRET",
  "AWS_SECRET_ACCESS_KEY",
  "EXO_OAUTH_CERTIFICATE",
  "EXO_OAUTH_CERTIFICATE_PASSWORD",
];

function accessTokenEnvCases(): HostileCase[] {
  return NOT_TOKEN_NAMES.flatMap((name): HostileCase[] => [
    {
      name: `stack config exchange.accessTokenEnv names ${name}`,
      area: "token variable",
      expect: "refused",
      says: ["exo-oauth:exchange.accessTokenEnv", `names ${name}`, "EXO_ACCESS_TOKEN"],
      attempt: (): Attempt => {
        const r = parseStackConfig({
          stack: "dev",
          values: { ...CONFIG, exchange: { connection: "accessToken", accessTokenEnv: name } },
          secretKeys: new Set(),
        });
        return r.ok
          ? { outcome: "accepted", harmless: false }
          : { outcome: "refused", message: formatConfigIssues(r.issues) };
      },
    },
    {
      name: `driver environment EXO_OAUTH_ACCESS_TOKEN_ENV=${name}`,
      area: "token variable",
      expect: "refused",
      says: [DRIVER_ENV.accessTokenEnv, `names ${name}`],
      attempt: (): Attempt => {
        try {
          decodeDriverEnvironment({ ...ENV, [DRIVER_ENV.accessTokenEnv]: name });
          return { outcome: "accepted", harmless: false };
        } catch (err) {
          if (err instanceof DriverEnvironmentError) return { outcome: "refused", message: err.message };
          throw err;
        }
      },
    },
  ]);
}

const tokenSettings: ExchangeConnectionSettings = {
  connection: "accessToken",
  accessTokenEnv: "EXO_ACCESS_TOKEN",
  organization: ORGANIZATION,
  pwsh: "pwsh",
  retryDeadlineSeconds: 600,
};

function tokenValueCases(): HostileCase[] {
  const values: [string, string][] = [
    ["a client secret", "Qx8~tP.4vZr_2mKd9Lw-Yh3NcB7sJeFa"],
    ["a PATH", "/usr/local/bin:/usr/bin:/bin"],
    ["two segments", TOKEN.split(".").slice(0, 2).join(".")],
    ["a header without alg", `eyJ0eXAiOiJKV1QifQ.${TOKEN.split(".")[1]}.c2ln`],
    ["a token with a trailing newline", `${TOKEN}\n`],
    ["a token with a command after it", `${TOKEN}; Remove-Mailbox -Identity ceo@contoso.com`],
  ];
  return values.map(([label, value]) => ({
    name: `the token variable holding ${label}`,
    area: "token value",
    expect: "refused",
    says: ["'EXO_ACCESS_TOKEN'", "does not hold an access token", "not shown"],
    attempt: (): Attempt => {
      try {
        childEnvironment(tokenSettings, { PATH: "/usr/bin", EXO_ACCESS_TOKEN: value });
        return { outcome: "accepted", harmless: false };
      } catch (err) {
        const message = (err as Error).message;
        if (message.includes(value.trim()))
          return { outcome: "accepted", harmless: false, detail: "echoed the value" };
        return { outcome: "refused", message };
      }
    },
  }));
}

function pipelineEnvironmentCases(): HostileCase[] {
  return Object.entries(PIPELINE_SECRETS).map(([name, value]) => ({
    name: `the pipeline's ${name} in the driver's environment`,
    area: "pwsh environment",
    expect: "accepted safely",
    attempt: (): Attempt => {
      const { env } = childEnvironment(tokenSettings, {
        PATH: "/usr/bin",
        EXO_ACCESS_TOKEN: TOKEN,
        [name]: value,
      });
      const leaked = Object.entries(env).filter(([, v]) => v?.includes(value));
      return {
        outcome: "accepted",
        harmless: leaked.length === 0,
        detail: `reached pwsh as ${leaked.map(([k]) => k).join(", ")}`,
      };
    },
  }));
}

/** shared/node_modules/.bin/pwsh planted above shared/checkout; a real one in shared/usr-bin. */
function plantedLayout() {
  const shared = mkdtempSync(join(tmpdir(), "exo-planted-"));
  const dirs = {
    planted: join(shared, "node_modules", ".bin"),
    project: join(shared, "checkout"),
    system: join(shared, "usr-bin"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  for (const d of [dirs.planted, dirs.system]) {
    writeFileSync(join(d, "pwsh"), "#!/bin/sh\n");
    chmodSync(join(d, "pwsh"), 0o755);
  }
  return dirs;
}

function plantedBinaryCases(): HostileCase[] {
  return [
    {
      name: "a pwsh planted in a parent folder's node_modules/.bin, first on PATH",
      area: "planted binaries",
      expect: "accepted safely",
      attempt: (): Attempt => {
        const l = plantedLayout();
        const r = resolvePwsh("pwsh", { PATH: [l.planted, l.system].join(delimiter) }, l.project);
        return { outcome: "accepted", harmless: r.path === join(l.system, "pwsh"), detail: `ran ${r.path}` };
      },
    },
    {
      name: "a relative PATH entry ahead of the real pwsh",
      area: "planted binaries",
      expect: "accepted safely",
      attempt: (): Attempt => {
        const l = plantedLayout();
        const r = resolvePwsh(
          "pwsh",
          { PATH: ["node_modules/.bin", ".", l.system].join(delimiter) },
          l.project,
        );
        return { outcome: "accepted", harmless: r.path === join(l.system, "pwsh"), detail: `ran ${r.path}` };
      },
    },
    {
      name: "exchange.pwsh a relative path leading out of the checkout",
      area: "planted binaries",
      expect: "refused",
      says: ["exo-oauth:exchange.pwsh", "leads outside this checkout"],
      attempt: (): Attempt => {
        const l = plantedLayout();
        try {
          const r = resolvePwsh("../node_modules/.bin/pwsh", {}, l.project);
          return { outcome: "accepted", harmless: false, detail: `ran ${r.path}` };
        } catch (err) {
          return { outcome: "refused", message: (err as Error).message };
        }
      },
    },
  ];
}

const record = (over: Record<string, unknown>) =>
  JSON.stringify({
    schema: RECORD_SCHEMA,
    appId: APP_ID,
    servicePrincipal: { objectId: SP_OBJECT_ID, sid: "S-1-5-21-1", displayName: "Mail OAuth" },
    mailboxes: [],
    ...over,
  });

/** A compact (@2) record of these addresses, each with FullAccess, as encodeEntries writes it. */
const compactRecord = (addresses: string[], over: Record<string, unknown> = {}) =>
  JSON.stringify({
    schema: COMPACT_RECORD_SCHEMA,
    appId: APP_ID,
    servicePrincipal: { objectId: SP_OBJECT_ID, sid: "S-1-5-21-1", displayName: "Mail OAuth" },
    mailboxCount: addresses.length,
    blockedCount: 0,
    encoding: COMPACT_ENCODING,
    entries: encodeEntries({
      mailboxes: addresses.map((address) => ({ address, fullAccess: true, sendAs: false })),
      blocked: [],
    }),
    ...over,
  });

function refusal(run: () => unknown): Attempt {
  try {
    run();
    return { outcome: "accepted", harmless: false };
  } catch (err) {
    return { outcome: "refused", message: (err as Error).message };
  }
}

function recordCases(): HostileCase[] {
  const entries: [string, string, string][] = [
    ["an alias", "CEO", "mailboxes[0].address"],
    [
      "a distinguished name",
      "CN=hr,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=prod",
      "mailboxes[0].address",
    ],
    ["an address in capitals", "HR@contoso.com", "mailboxes[0].address"],
    ["an address with a zero-width space", "h\u200br@contoso.com", "U+200B"],
    ["an address then a command", "hr@contoso.com; Remove-Mailbox ceo@contoso.com", "mailboxes[0].address"],
    ["an empty address", "", "mailboxes[0].address"],
  ];
  return [
    ...entries.map(([label, address, says]): HostileCase => ({
      name: `a previous record naming a mailbox by ${label}`,
      area: "previous record",
      expect: "refused",
      says: ["Reading the previous record from PULUMI_COMMAND_STDOUT", says],
      attempt: (): Attempt => {
        try {
          parseRecord(record({ mailboxes: [{ address, fullAccess: true, sendAs: false }] }));
          return { outcome: "accepted", harmless: false };
        } catch (err) {
          return { outcome: "refused", message: (err as Error).message };
        }
      },
    })),
    // The same entries in the compact form (exo-oauth/exchange-record@2): decoded, then validated alike.
    ...entries.map(([label, address, says]): HostileCase => ({
      name: `a compact previous record naming a mailbox by ${label}`,
      area: "previous record",
      expect: "refused",
      says: ["Reading the previous record from PULUMI_COMMAND_STDOUT", says],
      attempt: (): Attempt => refusal(() => parseRecord(compactRecord([address]))),
    })),
    {
      name: "a compact previous record listing a mailbox twice",
      area: "previous record",
      expect: "refused",
      says: ["Reading the previous record from PULUMI_COMMAND_STDOUT", '"hr@contoso.com" again'],
      attempt: (): Attempt => refusal(() => parseRecord(compactRecord(["hr@contoso.com", "hr@contoso.com"]))),
    },
    {
      name: "a compact previous record whose mailboxCount is not what it lists",
      area: "previous record",
      expect: "refused",
      says: ["entries lists 1 mailboxes, mailboxCount says 2"],
      attempt: (): Attempt =>
        refusal(() => parseRecord(compactRecord(["hr@contoso.com"], { mailboxCount: 2 }))),
    },
    ...(
      [
        ["an appId that is not a GUID", { appId: "*" }, "appId"],
        [
          "a service principal object id that is not a GUID",
          { servicePrincipal: { objectId: "*", sid: "", displayName: "" } },
          "servicePrincipal.objectId",
        ],
      ] as const
    ).map(([label, over, says]): HostileCase => ({
      name: `a previous record with ${label}`,
      area: "previous record",
      expect: "refused",
      says: [says, "is not a GUID"],
      attempt: (): Attempt => {
        try {
          parseRecord(record(over));
          return { outcome: "accepted", harmless: false };
        } catch (err) {
          return { outcome: "refused", message: (err as Error).message };
        }
      },
    })),
    {
      name: "a previous record claiming another principal's ObjectId",
      area: "previous record",
      expect: "accepted safely",
      attempt: (): Attempt => {
        const claimed = parseRecord(
          record({
            servicePrincipal: { objectId: "99999999-9999-4999-8999-999999999999", sid: "", displayName: "x" },
          }),
        );
        const trusted = trustedRecord(
          claimed,
          { appId: APP_ID, servicePrincipalObjectId: SP_OBJECT_ID },
          () => {},
        );
        return {
          outcome: "accepted",
          harmless: trusted?.servicePrincipal === null,
          detail: "the claimed principal was believed",
        };
      },
    },
  ];
}

function shimCases(): HostileCase[] {
  return (Object.keys(HOSTILE_SHIMS) as (keyof typeof HOSTILE_SHIMS)[]).map((behaviour) => ({
    name: `a PowerShell process sending ${behaviour}`,
    area: "hostile PowerShell",
    expect: "refused",
    says: ["Running Get-Mailbox", "the process was stopped"],
    attempt: async (): Promise<Attempt> => {
      const err = await firstRequestError(HOSTILE_SHIMS[behaviour], {
        maxLineLength: 1024 * 1024,
        runDeadlineMs: 1500,
      });
      return err
        ? { outcome: "refused", message: err.message }
        : { outcome: "accepted", harmless: false, detail: "answered" };
    },
  }));
}

export const cases: HostileCase[] = [
  ...accessTokenEnvCases(),
  ...tokenValueCases(),
  ...pipelineEnvironmentCases(),
  ...plantedBinaryCases(),
  ...recordCases(),
  ...shimCases(),
];
