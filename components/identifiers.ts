// The shapes of the identifiers exo-oauth handles, in ONE place: the stack config, the Command ⇄
// driver contract, the runbook, the operator tools and the offline tenant's doubles all test
// values with these predicates, so a value one part accepts is never refused by another
// (docs/exchange-step.md, "Validation"; the identity rules and their sources: docs/security.md,
// "Identity rules"). Pure: no Pulumi, no Node APIs, so the program, the driver and the tools
// share it. The characters themselves (invisible, look-alike): ./characters.ts.
import {
  describeCharacter,
  firstInvisible,
  INVISIBLE_RULE_TEXT,
  invisibleProblem,
  mixedScriptProblem,
  utf8Length,
} from "./characters";

export { describeCharacter, describeCodePoint, firstInvisible } from "./characters";
export { INVISIBLE_RULE_TEXT };

/** An Entra ID object or application id: 8-4-4-4-12 hex digits, any letter case. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A GUID used in messages as an example of the shape (not any real tenant's id). */
export const EXAMPLE_GUID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
/** The words messages use for the GUID shape. */
export const GUID_SHAPE = `8-4-4-4-12 hex digits, e.g. ${EXAMPLE_GUID}`;

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** RFC 5321 §4.5.3.1.1: the local part (before the @) is at most 64 octets. */
export const LOCAL_PART_MAX_OCTETS = 64;
/**
 * RFC 5321 §4.5.3.1.3 limits a path to 256 octets including the angle brackets `<…>`, so an
 * address is at most 254 octets (RFC 3696 §3 said 320; its verified erratum 1690 corrects that to 254).
 */
export const ADDRESS_MAX_OCTETS = 254;

/** One DNS label: letters, digits and inner hyphens, at most 63 characters (RFC 1035 §2.3.4). */
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
/** The host part of an address: two or more labels (ASCII only: no internationalised domains). */
const HOST_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`, "i");
/** Spaces and tabs at either end: what `normaliseAddress` and `addressProblem` trim (nothing else). */
const EDGE_SPACES = /^[ \t]+|[ \t]+$/g;

/** RFC 5322 §3.2.3 atext: the ASCII characters a dot-atom local part may hold besides dots. */
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/;
/** Beyond ASCII (RFC 6531 §3.3 UTF8-non-ascii): only letters, combining marks and digits. */
const NON_ASCII_WORD = /^[\p{L}\p{M}\p{N}]$/u;

/** What a mailbox address may be, as messages say it. */
export const ADDRESS_ALLOWED =
  "an email address (e.g. helpdesk@contoso.com): before the @ at most 64 octets of ASCII letters, " +
  "digits, ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and inner single dots, or letters and digits of " +
  "other scripts that do not mix with Latin look-alikes; after it a domain name of letters, " +
  "digits and hyphens; at most 254 octets in all";

/**
 * Why `value` is not a mailbox's primary SMTP address, or undefined when it is one. The rule
 * (sources in docs/security.md, "Identity rules"):
 *  - no control, format or invisible character, line or paragraph separator anywhere (Unicode
 *    categories Cc, Cf, Zl, Zp, Cs and the default-ignorable code points): they hide one
 *    mailbox's name inside another's;
 *  - `local@domain`, the local part an RFC 5322 §3.2.3 dot-atom (no quoted local parts, no
 *    address literals), extended as RFC 6531 §3.3 allows by letters, marks and digits of other
 *    scripts only — so no typographic quotes (PowerShell reads ‘ ’ ‚ ‛ as quotes) and no
 *    fullwidth or other punctuation;
 *  - RFC 5321 lengths: local part at most 64 octets, the address at most 254 (UTF-8 octets);
 *  - in Unicode normalization form NFKC (UTS #39 §3.1 restricts characters that are not):
 *    `ｈelpdesk` with a fullwidth letter is refused, not silently mapped to `helpdesk`;
 *  - letters from at most Latin and one other script, not Cyrillic or Greek (UTS #39 §5.2,
 *    "Moderately Restrictive"; the domain counts as Latin).
 * `kind` is "shape" for a value that is not an address at all (the caller words it).
 */
export function addressProblem(value: string): { kind: "shape" | "detail"; reason: string } | undefined {
  const hidden = firstInvisible(value);
  if (hidden) return { kind: "detail", reason: invisibleProblem(hidden) };
  const address = value.replace(EDGE_SPACES, "");
  const at = address.lastIndexOf("@");
  if (at <= 0) return { kind: "shape", reason: "no local part and domain around one @" };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!HOST_PATTERN.test(domain)) return { kind: "shape", reason: "the domain is not a DNS name" };
  for (const ch of local) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80 ? ch === "." || ATEXT.test(ch) : NON_ASCII_WORD.test(ch)) continue;
    if (code < 0x80) return { kind: "shape", reason: `${JSON.stringify(ch)} is not allowed` };
    return {
      kind: "detail",
      reason:
        `it has ${describeCharacter({ char: ch, position: [...address].indexOf(ch) + 1 })}; ` +
        "beyond ASCII an address takes only letters, marks and digits" +
        (/['‘’‚‛`´]/.test(ch) ? " (write the ASCII apostrophe ' if the address has one)" : ""),
    };
  }
  if (local.startsWith(".") || local.endsWith(".") || local.includes(".."))
    return {
      kind: "detail",
      reason:
        "the part before the @ starts or ends with a dot or has two in a row (RFC 5322 §3.2.3 dot-atom)",
    };
  const localOctets = utf8Length(local);
  if (localOctets > LOCAL_PART_MAX_OCTETS)
    return {
      kind: "detail",
      reason: `the part before the @ is ${localOctets} octets long: at most ${LOCAL_PART_MAX_OCTETS} (RFC 5321 §4.5.3.1.1)`,
    };
  const octets = utf8Length(address);
  if (octets > ADDRESS_MAX_OCTETS)
    return {
      kind: "detail",
      reason: `it is ${octets} octets long: at most ${ADDRESS_MAX_OCTETS} (RFC 5321 §4.5.3.1.3)`,
    };
  if (local.normalize("NFKC") !== local) {
    const odd = [...local].findIndex((c) => c.normalize("NFKC") !== c);
    const char = odd >= 0 ? [...local][odd] : undefined;
    return {
      kind: "detail",
      reason: char
        ? `it has ${describeCharacter({ char, position: odd + 1 })}, a compatibility form of ` +
          `${JSON.stringify(char.normalize("NFKC"))} (Unicode NFKC): write ${JSON.stringify(char.normalize("NFKC"))}`
        : "it is not in Unicode normalization form NFKC (a letter written as a base letter and a " +
          "combining mark): write the composed letter",
    };
  }
  const mixed = mixedScriptProblem(local);
  if (mixed) return { kind: "detail", reason: mixed };
  return undefined;
}

/** A mailbox's primary SMTP address, as the stack accepts it (addressProblem). */
export function isMailboxAddress(value: string): boolean {
  return addressProblem(value) === undefined;
}

/**
 * The form every part stores addresses in: spaces and tabs trimmed, lower case. Nothing else is
 * mapped (no NFKC, no other trimming), so a value that was not checked keeps what makes it
 * invalid — a fullwidth ＠ never becomes @ — and is refused where it is checked.
 */
export function normaliseAddress(value: string): string {
  return value.replace(EDGE_SPACES, "").toLowerCase();
}

/**
 * The key addresses are compared by for duplicates: the normalised form in NFKC. For valid
 * addresses (NFKC already) it is the normalised form; it keeps two spellings of one address one
 * key wherever values are compared.
 */
export function addressKey(value: string): string {
  return normaliseAddress(value).normalize("NFKC");
}

/**
 * A DNS domain name of two or more labels (a tenant's verified domain such as contoso.com, or its
 * initial domain): the host part of an address, with DNS's 63-character label limit.
 */
export const DOMAIN_PATTERN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`, "i");

export function isDomainName(value: string): boolean {
  return DOMAIN_PATTERN.test(value);
}

/**
 * The tenant's initial domain, `<name>.onmicrosoft.com` (Connect-ExchangeOnline -Organization):
 * one DNS label under onmicrosoft.com, not `contoso.mail.onmicrosoft.com`.
 */
export const ORGANIZATION_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.onmicrosoft\.com$/i;

export function isInitialDomain(value: string): boolean {
  return ORGANIZATION_PATTERN.test(value);
}

/** A POSIX environment variable name: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(value: string): boolean {
  return ENV_NAME_PATTERN.test(value);
}

/**
 * Why a name (an application's display name, any free text that reaches PowerShell or a
 * terminal) is refused, or undefined: it holds no control, format or invisible character and no
 * line or paragraph separator (firstInvisible). Other text — quotes of any kind, `$`, backticks —
 * is allowed: the runbook quotes it (docs/security.md, "The runbook").
 */
export function nameProblem(value: string): string | undefined {
  const hidden = firstInvisible(value);
  return hidden ? invisibleProblem(hidden) : undefined;
}
