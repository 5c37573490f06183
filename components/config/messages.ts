// The words of the stack config's problems: how a path, a value and an expectation are written.
// A message may hold `{value}`: issues.ts puts the value there, or SECRET_VALUE_NOT_SHOWN when
// the value must not be echoed (docs/security.md, "Secrets").
import { printable, printableJson } from "../printable";
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
    // A key is the user's text: shown escaped (components/printable.ts).
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? `:${printable(String(seg))}` : `.${printable(String(seg))}`;
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
  if (typeof v === "string") return printableJson(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const json = printableJson(v);
  if (json.length <= 60) return json;
  return Array.isArray(v) ? `a list of ${v.length} items` : "an object";
}

/** The allowed name closest to a mistyped key (components/choices.ts: one rule for every tool). */
export { suggest } from "../choices";
