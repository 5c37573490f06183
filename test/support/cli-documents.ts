// The --json documents the tools print, as zod schemas (docs/operations.md, "JSON output"): the
// envelope every document carries, the error member, and each tool's result. Strict objects: a
// field a document grows without a schema version change fails here.
import { z } from "zod";

const instant = z.iso.datetime({ offset: false, precision: 3 });

const envelope = {
  schema: z.string().regex(/^exo-oauth\/[a-z-]+@\d+$/),
  ok: z.boolean(),
  exitCode: z.number().int(),
  startedAt: instant,
  finishedAt: instant,
};

export const errorDocument = (schema: string) =>
  z.strictObject({
    ...envelope,
    schema: z.literal(schema),
    ok: z.literal(false),
    exitCode: z.union([z.literal(1), z.literal(64), z.literal(78)]),
    error: z.strictObject({
      kind: z.enum(["usage", "input", "error"]),
      message: z.string().min(1),
      problems: z.array(z.string().min(1)).min(1),
    }),
  });

export const helpDocument = z.strictObject({
  ...envelope,
  schema: z.literal("exo-oauth/help@1"),
  ok: z.literal(true),
  exitCode: z.literal(0),
  usage: z.string().startsWith("Usage: "),
});

const operation = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("New-ServicePrincipal"),
    appId: z.string(),
    objectId: z.string(),
    displayName: z.string(),
  }),
  z.strictObject({
    kind: z.literal("Remove-ServicePrincipal"),
    identity: z.string(),
    displayName: z.string(),
  }),
  z.strictObject({ kind: z.literal("Add-MailboxPermission"), mailbox: z.string(), user: z.string() }),
  z.strictObject({ kind: z.literal("Remove-MailboxPermission"), mailbox: z.string(), user: z.string() }),
  z.strictObject({ kind: z.literal("Add-RecipientPermission"), mailbox: z.string(), trustee: z.string() }),
  z.strictObject({ kind: z.literal("Remove-RecipientPermission"), mailbox: z.string(), trustee: z.string() }),
]);

/** components/exchange-step/state.ts BlockedProtocol: verify reads it from the record. */
const blocked = z.strictObject({
  mailbox: z.string(),
  protocol: z.enum(["IMAP", "POP", "SMTP"]),
  switch: z.string(),
});

const counters = z.strictObject({
  sessions: z.number().int(),
  cmdlets: z.record(z.string(), z.number().int()),
  retries: z.number().int(),
});

/** A right `plan --scan` reports. */
const right = z.enum(["FullAccess", "SendAs"]);

export const planDocument = z.strictObject({
  ...envelope,
  schema: z.literal("exo-oauth/exchange-plan@2"),
  ok: z.literal(true),
  exitCode: z.union([z.literal(0), z.literal(2), z.literal(3)]),
  inSync: z.boolean(),
  principal: z.string(),
  operations: z.array(operation),
  counts: z.strictObject({
    add: z.number().int().min(0),
    remove: z.number().int().min(0),
    unchanged: z.number().int().min(0),
  }),
  notices: z.array(
    z.strictObject({
      level: z.enum(["warning", "error"]),
      message: z.string(),
      /** plan --scan: rights outside the config (scripts/exchange-driver/plan.ts HeldGrant). */
      grant: z
        .strictObject({
          mailbox: z.string(),
          displayName: z.string(),
          rights: z.array(right).min(1),
          recorded: z.boolean(),
          revoke: z.array(z.string()).min(1),
        })
        .optional(),
    }),
  ),
  blocked: z.array(blocked),
  /** Only with --scan (scripts/exchange-driver/scan.ts ScanReport). */
  scan: z
    .strictObject({
      mailboxes: z.number().int().min(0),
      cmdlets: z.number().int().min(0),
      holdings: z.array(
        z.strictObject({
          mailbox: z.string(),
          displayName: z.string(),
          rights: z.array(right).min(1),
          inConfig: z.boolean(),
        }),
      ),
    })
    .optional(),
  counters,
});

const record = z.strictObject({
  schema: z.literal("exo-oauth/exchange-record@1"),
  appId: z.string(),
  servicePrincipal: z
    .strictObject({ objectId: z.string(), sid: z.string(), displayName: z.string() })
    .nullable(),
  mailboxes: z.array(z.strictObject({ address: z.string(), fullAccess: z.boolean(), sendAs: z.boolean() })),
  blocked: z.array(blocked).optional(),
});

export const recordDocument = (command: "apply" | "remove") =>
  z.strictObject({
    ...envelope,
    schema: z.literal(`exo-oauth/exchange-${command}@1`),
    ok: z.literal(true),
    exitCode: z.literal(0),
    record,
    counters,
  });

export const runbookDocument = z.strictObject({
  ...envelope,
  schema: z.literal("exo-oauth/exchange-runbook@1"),
  ok: z.literal(true),
  exitCode: z.literal(0),
  runbook: z.string().min(1),
});

const cause = z.strictObject({
  id: z.string(),
  summary: z.string(),
  action: z.string(),
  checks: z.array(z.string()).optional(),
});

export const verifyReportDocument = z.strictObject({
  ...envelope,
  schema: z.literal("exo-oauth/verify-report@2"),
  exitCode: z.union([z.literal(0), z.literal(1)]),
  stack: z.string().optional(),
  tenant: z.string(),
  clientId: z.string(),
  credential: z.enum(["secret", "certificate"]),
  authorityHost: z.string(),
  scope: z.string(),
  token: z.strictObject({
    ok: z.boolean(),
    ms: z.number(),
    claims: z
      .strictObject({
        tid: z.string(),
        appid: z.string(),
        oid: z.string(),
        roles: z.array(z.string()),
        aud: z.string(),
        appidacr: z.string().optional(),
        expiresAt: z.string(),
      })
      .optional(),
    cause: cause.optional(),
  }),
  findings: z.array(cause),
  logins: z.array(
    z.strictObject({
      mailbox: z.string(),
      protocol: z.enum(["imap", "pop", "smtp"]),
      check: z.literal("send-as").optional(),
      loginMailbox: z.string().optional(),
      ok: z.boolean(),
      attempted: z.boolean(),
      attempts: z.number().int(),
      ms: z.number().optional(),
      stage: z.string().optional(),
      serverResponse: z.string().optional(),
      detail: z.string().optional(),
      cause: cause.optional(),
    }),
  ),
  notices: z.array(z.string()),
  warnings: z.array(z.string()),
  rounds: z.number().int(),
  elapsedMs: z.number(),
  summary: z.strictObject({ expected: z.number(), passed: z.number(), failed: z.number() }),
});

const check = z.strictObject({
  type: z.literal("check"),
  text: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
});

/**
 * `npm run demo -- --json` (exo-oauth/demo@2): the story inside the envelope. Steps' items other
 * than checks are the demo's own shapes (scripts/offline-tenant/demo/items.ts), checked by type.
 */
export const demoDocument = z.strictObject({
  ...envelope,
  schema: z.literal("exo-oauth/demo@2"),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(130), z.literal(143)]),
  wallMs: z.number().int().nonnegative(),
  simulated: z.literal(true),
  stack: z.strictObject({ file: z.string(), tenantId: z.string(), organization: z.string() }),
  imapPop: z.strictObject({
    available: z.boolean(),
    skipped: z.string().optional(),
    install: z.string().optional(),
  }),
  steps: z.array(
    z.strictObject({
      n: z.number().int(),
      id: z.string(),
      title: z.string(),
      at: z.string(),
      ok: z.boolean(),
      wallMs: z.number().int(),
      items: z.array(
        z.union([
          check,
          z.looseObject({
            type: z.enum(["note", "pulumi", "verify", "exchange-job", "hand-edit", "tenant"]),
          }),
        ]),
      ),
    }),
  ),
  interrupted: z.enum(["SIGINT", "SIGTERM"]).optional(),
});

/** Exactly one JSON document on stdout (trailing newline), parsed. */
export function oneDocument(stdout: string): unknown {
  if (!stdout.endsWith("}\n"))
    throw new Error(`stdout is not one JSON document ending in a newline: ${stdout.slice(-80)}`);
  return JSON.parse(stdout);
}

/** The document's times are in order and within the run. */
export function timesInOrder(
  doc: { startedAt: string; finishedAt: string },
  before: number,
  after: number,
): boolean {
  const s = Date.parse(doc.startedAt);
  const f = Date.parse(doc.finishedAt);
  return before <= s && s <= f && f <= after;
}
