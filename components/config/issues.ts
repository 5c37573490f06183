// From problems found to the lines a user reads: zod's issues turned into pending issues (one per
// unknown key, unions resolved to the branch that fits), then rendered in order with their
// values put in, secret values described rather than shown, and any credential that still found
// its way into a message masked by components/redact.ts (docs/security.md, "Redaction").
import type { z } from "zod";
import { matchChoice } from "../choices";
import { createRedactor } from "../redact";
import { EXCHANGE_CONNECTIONS, type ExchangeConnection } from "../exchange-step/settings";
import {
  formatPath,
  looksLikeToken,
  SECRET_FIELDS,
  SECRET_VALUE_NOT_SHOWN,
  show,
  suggest,
  type Path,
  type PendingIssue,
} from "./messages";
import { ALLOWED_KEYS } from "./schema";
import { CONFIG_NAMESPACE, type ConfigIssue, type RawStackConfig } from "./types";

export function valueAt(values: unknown, path: Path): unknown {
  let v = values;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

function unknownKeyIssue(parent: Path, key: string, values: Record<string, unknown>): PendingIssue {
  const path = [...parent, key];
  if (parent.length === 0) {
    const allowed = ALLOWED_KEYS.top.map((k) => `${CONFIG_NAMESPACE}:${k}`);
    const hint = suggest(key, ALLOWED_KEYS.top);
    return {
      path,
      message: `unknown config key${hint ? ` (did you mean ${CONFIG_NAMESPACE}:${hint}?)` : ""}; allowed keys: ${allowed.join(", ")}`,
    };
  }
  if (parent[0] === "exchange") {
    const given = valueAt(values, ["exchange", "connection"]);
    const connection = ((typeof given === "string" ? matchChoice(given, EXCHANGE_CONNECTIONS) : undefined) ??
      given ??
      "manual") as ExchangeConnection;
    const allowed = ALLOWED_KEYS.exchange[connection] ?? [];
    const usedBy = EXCHANGE_CONNECTIONS.filter((c) => ALLOWED_KEYS.exchange[c].includes(key));
    const hint = usedBy.length > 0 ? undefined : suggest(key, allowed);
    const why =
      usedBy.length > 0
        ? `not used with connection "${connection}" (only with ${usedBy.join(", ")})`
        : `unknown key${hint ? ` (did you mean ${hint}?)` : ""}`;
    return { path, message: `${why}; allowed keys with connection "${connection}": ${allowed.join(", ")}` };
  }
  let allowed: string[];
  let where: string;
  if (parent[0] === "application") [allowed, where] = [ALLOWED_KEYS.application, "an application"];
  else if (parent[0] === "secret") [allowed, where] = [ALLOWED_KEYS.secret, "secret"];
  else if (parent[0] === "mailboxes") [allowed, where] = [ALLOWED_KEYS.mailbox, "a mailbox"];
  else [allowed, where] = [[], formatPath(parent)];
  const hint = suggest(key, allowed);
  return {
    path,
    message: `unknown key${hint ? ` (did you mean ${hint}?)` : ""}; allowed keys for ${where}: ${allowed.join(", ")}`,
  };
}

/** zod issues → pending issues: unknown keys one per key, unions resolved to the branch that fits. */
export function fromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: Path,
  values: Record<string, unknown>,
): PendingIssue[] {
  const out: PendingIssue[] = [];
  for (const iss of issues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) out.push(unknownKeyIssue(path, key, values));
    } else if (iss.code === "invalid_union" && iss.errors.length > 0) {
      // A plain union (mailbox: string | object): report the branch whose type fits the value.
      const fitting = iss.errors.filter(
        (branch) => !branch.some((b) => b.path.length === 0 && b.code === "invalid_type"),
      );
      if (fitting.length === 1) out.push(...fromZod(fitting[0], path, values));
      else out.push({ path, message: iss.message });
    } else {
      out.push({ path, message: iss.message });
    }
  }
  return out;
}

function isSecretPath(path: Path, secretKeys: ReadonlySet<string>): boolean {
  return (
    (path.length > 0 && secretKeys.has(String(path[0]))) || path.some((seg) => SECRET_FIELDS.has(String(seg)))
  );
}

/**
 * Credential values in the raw config: certificate and password fields wherever they are, and a
 * token given as accessTokenEnv. (Other values under a secret key are described, never put into a
 * message, so they need no mask: masking them would cut words such as "pwsh" out of messages.)
 */
function credentialsIn(raw: RawStackConfig): string[] {
  const out: string[] = [];
  const walk = (v: unknown, hidden: boolean, field: string) => {
    if (typeof v === "string" || typeof v === "number") {
      const s = String(v);
      if (hidden || (field === "accessTokenEnv" && looksLikeToken(s))) out.push(s);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, hidden, field));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, hidden || SECRET_FIELDS.has(k), k);
  };
  walk(raw.values, false, "");
  return out;
}

/**
 * The issues in the order docs/configuration.md lists keys (by top-level key, then by list
 * item; within that, as found), each once, values put in. `{value}` at a secret path is
 * described, never shown; every message then goes through the redactor as a last line of defence.
 */
export function renderIssues(pending: readonly PendingIssue[], raw: RawStackConfig): ConfigIssue[] {
  const redact = createRedactor(credentialsIn(raw));
  const rank = (p: Path): [number, number] => {
    const top = ALLOWED_KEYS.top.indexOf(String(p[0]));
    return [top < 0 ? ALLOWED_KEYS.top.length : top, typeof p[1] === "number" ? p[1] : -1];
  };
  const seen = new Set<string>();
  return pending
    .map((issue, index) => ({ issue, index, rank: rank(issue.path) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map(({ issue }) => {
      let message = issue.message;
      if (message.includes("{value}")) {
        const shown = isSecretPath(issue.path, raw.secretKeys)
          ? SECRET_VALUE_NOT_SHOWN
          : show(valueAt(raw.values, issue.path));
        message = message.split("{value}").join(shown);
      }
      return { path: formatPath(issue.path), message: redact(message) };
    })
    .filter((i) => {
      const k = `${i.path}\u0000${i.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
}

/** The lines `pulumi up` prints for an invalid config. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const n = issues.length;
  return [
    `Invalid stack config for ${CONFIG_NAMESPACE} (${n} problem${n === 1 ? "" : "s"}):`,
    ...issues.map((i) => `  ${i.path}: ${i.message}`),
  ].join("\n");
}
