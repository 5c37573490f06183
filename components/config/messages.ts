// The words of the stack config's problems: how a path, a value and an expectation are written.
// A message may hold `{value}`: issues.ts puts the value there, or SECRET_VALUE_NOT_SHOWN when
// the value must not be echoed (docs/security.md, "Secrets").
import { showInvisible } from "../identifiers";
import { isJwt } from "../redact";
import { CONFIG_NAMESPACE } from "./types";

/** Where a problem is: keys and list indexes below `exo-oauth:`. */
export type Path = ReadonlyArray<PropertyKey>;

/** A problem before rendering: `message` may contain `{value}`. */
export interface PendingIssue {
  path: Path;
  message: string;
}

/**
 * What stands in a message for a value that is not shown: a value under a secret config key or
 * a credential field, or one that looks like a credential. A description of the value, not a
 * mask: text that leaked into a message anyway is masked by components/redact.ts.
 */
export const SECRET_VALUE_NOT_SHOWN = "(secret value, not shown)";

/** Field names whose values are credentials, wherever they appear. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(["certificate", "certificatePassword"]);

/** zod's view of a failing input, as much of it as the messages need. */
export type RawIssue = { code?: string; input?: unknown };

/** "missing: expected <role>" when absent, "{value} is not <what>" otherwise. */
export function expected(what: string, role = what) {
  return (iss: RawIssue) =>
    iss.input === undefined ? `missing: expected ${role}` : `{value} is not ${what}`;
}

/** A token, rather than a variable name, given where the NAME of an environment variable belongs. */
export function looksLikeToken(s: string): boolean {
  return s.length > 64 || s.startsWith("eyJ") || (s.includes(".") && s.length > 20);
}

/** A JWT (decoded, components/redact.ts) or a long base64 blob (a certificate, a key) pasted in the wrong place. */
export function looksLikeCredential(s: string): boolean {
  return isJwt(s.trim()) || /^[A-Za-z0-9+/_-]{64,}={0,2}$/.test(s.replace(/\s+/g, ""));
}

/** `exo-oauth:mailboxes[1].protocols[0]`. */
export function formatPath(path: Path): string {
  let out = CONFIG_NAMESPACE;
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? `:${String(seg)}` : `.${String(seg)}`;
  });
  return out;
}

/**
 * A value as a message shows it: short strings quoted, long ones cut, objects summarised;
 * invisible characters written as `\u{hex}`, never raw (components/identifiers.ts).
 */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null (an empty value)";
  if (typeof v === "string" && looksLikeCredential(v)) return SECRET_VALUE_NOT_SHOWN;
  if (typeof v === "string")
    return showInvisible(JSON.stringify(v.length > 80 ? `${[...v].slice(0, 77).join("")}...` : v));
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const json = showInvisible(JSON.stringify(v));
  if (json.length <= 60) return json;
  return Array.isArray(v) ? `a list of ${v.length} items` : "an object";
}

/** The allowed name closest to a mistyped key, if it is close enough to be the one meant. */
export function suggest(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = editDistance(k, name.toLowerCase());
    if (d <= Math.max(2, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
