// Hostile text: what an attacker types or plants, and what a careless admin pastes, to break out
// of a PowerShell literal, a comment or a line, or to make one name look like another. Each
// value's label is printable (the values are not). Shared by the corpus and the runbook tests.

/** A command an attacker would like the admin's paste to run. */
export const PAYLOAD = "Remove-Mailbox -Identity ceo@contoso.com -Confirm:$false";

export interface HostileText {
  label: string;
  value: string;
  /**
   * The first invisible character (control, format, separator), as a refusal must name it; every
   * name rule refuses such a value. Undefined: the value is visible text.
   */
  invisible?: string;
}

const t = (label: string, value: string, invisible?: string): HostileText => ({
  label,
  value,
  ...(invisible ? { invisible } : {}),
});

export const HOSTILE_TEXT: HostileText[] = [
  t("LF then a command on its own line", `Mail OAuth\n${PAYLOAD}\n#`, "U+000A LINE FEED (LF)"),
  t("CR then a command", `Mail OAuth\r${PAYLOAD}\r#`, "U+000D CARRIAGE RETURN (CR)"),
  t("CRLF then a command", `Mail OAuth\r\n${PAYLOAD}\r\n#`, "U+000D CARRIAGE RETURN (CR)"),
  t("U+2028 LINE SEPARATOR then a command", `Mail OAuth\u2028${PAYLOAD}\u2028#`, "U+2028 LINE SEPARATOR"),
  t(
    "U+2029 PARAGRAPH SEPARATOR then a command",
    `Mail OAuth\u2029${PAYLOAD}\u2029#`,
    "U+2029 PARAGRAPH SEPARATOR",
  ),
  t("U+0085 NEXT LINE then a command", `Mail OAuth\u0085${PAYLOAD}\u0085#`, "U+0085 NEXT LINE (NEL)"),
  t("NUL inside", "Mail\u0000OAuth", "U+0000 NULL"),
  t("ESC clear-screen sequence", "Mail OAuth\u001b[2J", "U+001B ESCAPE"),
  t("U+200B ZERO WIDTH SPACE", "Mail\u200bOAuth", "U+200B ZERO WIDTH SPACE"),
  t("U+202E RIGHT-TO-LEFT OVERRIDE", "Mail OAuth\u202etxt.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
  t("U+FEFF byte order mark", "\ufeffMail OAuth", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
  t("a tag character", "Mail OAuth\u{e0041}", "U+E0041"),
  t("U+3164 HANGUL FILLER", "Mail\u3164OAuth", "U+3164 HANGUL FILLER"),
  t("' closing the literal, then a command", `x'; ${PAYLOAD}; #`),
  t("’ (U+2019) closing the literal, then a command", `x’; ${PAYLOAD}; #`),
  t("‘ (U+2018) closing the literal, then a command", `x‘; ${PAYLOAD}; #`),
  t("‚ (U+201A) closing the literal, then a command", `x‚; ${PAYLOAD}; #`),
  t("‛ (U+201B) closing the literal, then a command", `x‛; ${PAYLOAD}; #`),
  t("a quote doubled by the other quote ('’)", `x'’; ${PAYLOAD}; #`),
  t("typographic double quotes “ ” „", `x“; ${PAYLOAD}; #”„`),
  t('" closing a double-quoted string', `x"; ${PAYLOAD}; #`),
  t("backtick escapes", "x`'; `n`$(Remove-Mailbox)`"),
  t("$( ) subexpression", `$(${PAYLOAD})`),
  t("@( ) array subexpression", `@(${PAYLOAD})`),
  t("$ variable", "$ErrorActionPreference $env:EXO_OAUTH_CERTIFICATE"),
  t("<# block comment #>", `x <# ${PAYLOAD} #> y`),
  t("here-string opener", "@'"),
  t("100,000 characters", "a".repeat(100_000)),
];

/** Hostile text that is also a valid-looking display name: short enough (1 to 120 characters). */
export const displayNameAccepted = (h: HostileText) => h.invisible === undefined && h.value.length <= 120;

/** A mailbox address to try, with what must happen to it and what a refusal must say. */
export interface HostileAddress {
  label: string;
  value: string;
  accepted: boolean;
  says?: string[];
}

const refused = (label: string, value: string, ...says: string[]): HostileAddress => ({
  label,
  value,
  accepted: false,
  says,
});
const accepted = (label: string, value: string): HostileAddress => ({ label, value, accepted: true });
const NOT_AN_ADDRESS = "is not an email address";
/** 64 octets before the @: the most RFC 5321 allows. */
const LOCAL_64 = "l".repeat(64);
/** A domain that makes `${LOCAL_64}@${domain}` exactly 254 octets. */
const DOMAIN_189 = `${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(57)}.com`;

// prettier-ignore
export const HOSTILE_ADDRESSES: HostileAddress[] = [
  refused("a command after the address on the next line", `helpdesk@contoso.com\n${PAYLOAD}`, "U+000A LINE FEED (LF)"),
  refused("' closing the literal, then a command", `x'; ${PAYLOAD}; #@contoso.com`, NOT_AN_ADDRESS),
  refused("NUL in the local part", "help\u0000desk@contoso.com", "U+0000 NULL"),
  refused("U+200B ZERO WIDTH SPACE in the local part", "help\u200bdesk@contoso.com", "U+200B ZERO WIDTH SPACE"),
  refused("U+2060 WORD JOINER in the local part", "help\u2060desk@contoso.com", "U+2060 WORD JOINER"),
  refused("U+00AD SOFT HYPHEN in the local part", "help\u00addesk@contoso.com", "U+00AD SOFT HYPHEN"),
  refused("U+2028 LINE SEPARATOR at the end", "helpdesk@contoso.com\u2028", "U+2028 LINE SEPARATOR"),
  refused("U+0085 NEXT LINE at the end", "helpdesk@contoso.com\u0085", "U+0085 NEXT LINE (NEL)"),
  refused("a Cyrillic а among Latin letters", "p\u0430ypal@contoso.com", "U+0430 (a Cyrillic letter)", "UTS #39"),
  refused("an all-Cyrillic look-alike of ceo", "\u0441\u0435\u043e@contoso.com", "U+0441 (a Cyrillic letter)", "UTS #39"),
  refused("a Greek ο among Latin letters", "hel\u03bfdesk@contoso.com", "U+03BF (a Greek letter)", "UTS #39"),
  refused("a Cherokee Ꭺ (not a recommended script)", "\u13aadmin@contoso.com", "(a Cherokee letter)", "UAX #31"),
  refused("Arabic and Hebrew letters together", "مريمשלום@contoso.com", "U+05E9 (a Hebrew letter)", "UTS #39"),
  refused("a fullwidth ｈ", "\uff48elpdesk@contoso.com", "U+FF48 FULLWIDTH LATIN SMALL LETTER H", "NFKC"),
  refused("e and a combining acute (not NFKC)", "jose\u0301@contoso.com", "NFKC"),
  refused("U+2019 typographic apostrophe", "o’brien@contoso.com", "U+2019 RIGHT SINGLE QUOTATION MARK", "ASCII apostrophe"),
  refused("U+2018 typographic quote", "o‘brien@contoso.com", "U+2018 LEFT SINGLE QUOTATION MARK"),
  refused("U+201A low quote", "o‚brien@contoso.com", "U+201A SINGLE LOW-9 QUOTATION MARK"),
  refused("U+201B reversed quote", "o‛brien@contoso.com", "U+201B SINGLE HIGH-REVERSED-9 QUOTATION MARK"),
  refused("U+201C typographic double quote", "o“brien@contoso.com", "U+201C LEFT DOUBLE QUOTATION MARK"),
  refused("a 10,000-character local part", `${"a".repeat(10_000)}@contoso.com`, "10000 octets", "at most 64"),
  refused("a 65-octet local part", `${"l".repeat(65)}@contoso.com`, "65 octets", "RFC 5321"),
  refused("a 33-letter local part of 2-octet letters (66 octets)", `${"ü".repeat(33)}@contoso.com`, "66 octets"),
  refused("a 255-octet address", `${LOCAL_64}@${DOMAIN_189.replace(".com", "d.com")}`, "255 octets", "at most 254"),
  refused("$( ) in the local part", "$(x)@contoso.com", NOT_AN_ADDRESS),
  refused("a leading dot", ".helpdesk@contoso.com", "dot-atom"),
  refused("two dots in a row", "help..desk@contoso.com", "dot-atom"),
  refused("a fullwidth ＠", "helpdesk\uff20contoso.com", NOT_AN_ADDRESS),
  refused("a non-ASCII domain", "helpdesk@cont\u043eso.com", NOT_AN_ADDRESS),
  accepted("the ASCII apostrophe (o'brien)", "o'brien@contoso.com"),
  accepted("$, backtick, braces and bar (RFC 5322 atext)", "$ceo`{x}|y@contoso.com"),
  accepted("a 64-octet local part", `${LOCAL_64}@contoso.com`),
  accepted("a 254-octet address", `${LOCAL_64}@${DOMAIN_189}`),
  accepted("a Latin letter with a diacritic (müller)", "müller@contoso.com"),
  accepted("an Arabic local part", "مريم@contoso.com"),
  accepted("a Japanese local part (Hiragana and Han)", "たなか田中@contoso.com"),
  accepted("upper case", "HelpDesk@Contoso.com"),
];

/** The ids and organization every hostile case's otherwise-valid inputs use. */
export const APP_ID = "11111111-1111-4111-8111-111111111111";
export const SP_OBJECT_ID = "22222222-2222-4222-8222-222222222222";
export const ORGANIZATION = "contoso.onmicrosoft.com";
export const TENANT_ID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
