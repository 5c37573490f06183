// Validate and normalise the stack's `exo-oauth:*` values: the schema (schema.ts) and the rules
// across fields (rules.ts) both run, so every problem is reported at once.
import type { z } from "zod";
import type { ExchangeConfig } from "../exchange-step/settings";
import { PROTOCOLS, type Protocol } from "../microsoft";
import { fromZod, renderIssues } from "./issues";
import { coveredBy, placeholderIssues } from "./placeholders";
import { crossFieldIssues } from "./rules";
import { stackConfigSchema, type exchangeSchema } from "./schema";
import { CONFIG_NAMESPACE, type ParseResult, type RawStackConfig, type StackConfig } from "./types";

/** Validate and normalise the stack's `exo-oauth:*` config; every problem at once. Pure. */
export function parseStackConfig(raw: RawStackConfig): ParseResult {
  const parsed = stackConfigSchema.safeParse(raw.values);
  // A placeholder left from Pulumi.example.yaml is the one problem reported for its value.
  const placeholders = placeholderIssues(raw.values);
  const pending = [
    ...placeholders,
    ...[
      ...(parsed.success ? [] : fromZod(parsed.error.issues, [], raw.values)),
      ...crossFieldIssues(raw),
    ].filter((issue) => !coveredBy(placeholders, issue.path)),
  ];
  if (pending.length > 0 || !parsed.success) return { ok: false, issues: renderIssues(pending, raw) };
  const d = parsed.data;
  const canonical = (list: readonly Protocol[]) => PROTOCOLS.filter((p) => list.includes(p));
  const protocols = canonical(d.protocols);
  const application: StackConfig["application"] = {
    displayName: d.application?.displayName ?? `${CONFIG_NAMESPACE}-${raw.stack}`,
    owners: d.application?.owners ?? [],
  };
  if (d.application?.notes !== undefined) application.notes = d.application.notes;
  return {
    ok: true,
    config: {
      tenantId: d.tenantId,
      organization: d.organization,
      application,
      protocols,
      mailboxes: d.mailboxes.map((m) =>
        typeof m === "string"
          ? { address: m, protocols, sendAs: false }
          : {
              address: m.address,
              protocols: m.protocols ? canonical(m.protocols) : protocols,
              sendAs: m.sendAs,
            },
      ),
      secret: d.secret,
      exchange: normaliseExchange(d.exchange),
    },
  };
}

/** The config's `exchange` in ExchangeConfig's names, without the keys that were left out. */
function normaliseExchange(e: z.output<typeof exchangeSchema>): ExchangeConfig {
  if (e.connection === "manual") return { connection: "manual" };
  const { pwsh, retryDeadlineSeconds } = e;
  switch (e.connection) {
    case "certificate":
      return {
        connection: "certificate",
        automationAppId: e.appId,
        certificate: e.certificate,
        ...(e.certificatePassword !== undefined ? { certificatePassword: e.certificatePassword } : {}),
        pwsh,
        retryDeadlineSeconds,
      };
    case "managedIdentity":
      return {
        connection: "managedIdentity",
        ...(e.managedIdentityAccountId !== undefined
          ? { managedIdentityAccountId: e.managedIdentityAccountId }
          : {}),
        pwsh,
        retryDeadlineSeconds,
      };
    case "accessToken":
      return { connection: "accessToken", accessTokenEnv: e.accessTokenEnv, pwsh, retryDeadlineSeconds };
  }
}
