// The Unicode facts the identity rules (./identifiers.ts) stand on: which characters are
// invisible or break a line, what a character is called in a message, and which scripts a
// string's letters come from (docs/security.md, "Identity rules"). Character classes come from
// the JavaScript engine's own Unicode tables (RegExp \p{…}, ECMA-262 §22.2.2.9), so they follow
// the Unicode version of the Node.js that runs them. Pure: no Node APIs.

/**
 * Never allowed in a name or an address: controls (Cc — NUL, CR, LF, NEL U+0085 …), format
 * characters (Cf — zero-width space, bidi overrides, the BOM, tags …), the line and paragraph
 * separators (Zl U+2028, Zp U+2029), lone surrogates (Cs), and the default-ignorable code points
 * (UAX #44 Default_Ignorable_Code_Point: Hangul fillers, variation selectors, U+034F …), which
 * render as nothing.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

/** What the invisible-character rule allows, as messages say it. */
export const INVISIBLE_RULE_TEXT =
  "no control, format or invisible character and no line or paragraph separator is allowed " +
  "(Unicode categories Cc, Cf, Zl, Zp and the default-ignorable code points)";

/** A character found in a value, with its 1-based position in code points. */
export interface FoundCharacter {
  char: string;
  position: number;
}

/** The first invisible character (see INVISIBLE) in `value`, or undefined. */
export function firstInvisible(value: string): FoundCharacter | undefined {
  let position = 0;
  for (const char of value) {
    position++;
    if (INVISIBLE.test(char)) return { char, position };
  }
  return undefined;
}

/** "it has U+200B ZERO WIDTH SPACE at character 5; no control, … is allowed (…)". */
export function invisibleProblem(found: FoundCharacter): string {
  return `it has ${describeCharacter(found)}; ${INVISIBLE_RULE_TEXT}`;
}

/** Unicode names (or, for controls, their name aliases) of the characters messages meet most. */
// prettier-ignore
const C0 = [
  "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
  "ACKNOWLEDGE", "ALERT (BEL)", "BACKSPACE", "CHARACTER TABULATION (TAB)", "LINE FEED (LF)",
  "LINE TABULATION (VT)", "FORM FEED (FF)", "CARRIAGE RETURN (CR)", "SHIFT OUT", "SHIFT IN",
  "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
  "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK",
  "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE", "INFORMATION SEPARATOR FOUR",
  "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
];
// prettier-ignore
const NAMES: Readonly<Record<number, string>> = {
  0x7f: "DELETE", 0x85: "NEXT LINE (NEL)", 0xa0: "NO-BREAK SPACE", 0xad: "SOFT HYPHEN",
  0x34f: "COMBINING GRAPHEME JOINER", 0x61c: "ARABIC LETTER MARK",
  0x115f: "HANGUL CHOSEONG FILLER", 0x1160: "HANGUL JUNGSEONG FILLER",
  0x180e: "MONGOLIAN VOWEL SEPARATOR", 0x200b: "ZERO WIDTH SPACE", 0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER", 0x200e: "LEFT-TO-RIGHT MARK", 0x200f: "RIGHT-TO-LEFT MARK",
  0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR", 0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING", 0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE", 0x202e: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER",
  0x2061: "FUNCTION APPLICATION", 0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR",
  0x2064: "INVISIBLE PLUS", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE", 0x3164: "HANGUL FILLER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE", 0xffa0: "HALFWIDTH HANGUL FILLER",
  0x2018: "LEFT SINGLE QUOTATION MARK", 0x2019: "RIGHT SINGLE QUOTATION MARK",
  0x201a: "SINGLE LOW-9 QUOTATION MARK", 0x201b: "SINGLE HIGH-REVERSED-9 QUOTATION MARK",
  0x201c: "LEFT DOUBLE QUOTATION MARK", 0x201d: "RIGHT DOUBLE QUOTATION MARK",
  0x201e: "DOUBLE LOW-9 QUOTATION MARK", 0xff20: "FULLWIDTH COMMERCIAL AT",
  0xe0001: "LANGUAGE TAG", 0xe007f: "CANCEL TAG",
};

/** Names that follow a pattern across a range. */
function rangeName(code: number): string | undefined {
  if (code < 0x20) return C0[code];
  if (code >= 0xfe00 && code <= 0xfe0f) return `VARIATION SELECTOR-${code - 0xfe00 + 1}`;
  if (code >= 0xe0100 && code <= 0xe01ef) return `VARIATION SELECTOR-${code - 0xe0100 + 17}`;
  if (code >= 0xff21 && code <= 0xff3a)
    return `FULLWIDTH LATIN CAPITAL LETTER ${String.fromCharCode(code - 0xff21 + 0x41)}`;
  if (code >= 0xff41 && code <= 0xff5a)
    return `FULLWIDTH LATIN SMALL LETTER ${String.fromCharCode(code - 0xff41 + 0x41)}`;
  if (code >= 0xff01 && code <= 0xff5e) return "a fullwidth form";
  if (code >= 0xe0020 && code <= 0xe007e) return "a tag character";
  return undefined;
}

const KINDS: ReadonlyArray<[RegExp, string]> = [
  [/\p{Cc}/u, "a control character"],
  [/\p{Cf}/u, "a format character"],
  [/\p{Cs}/u, "a lone surrogate"],
  [/\p{Co}/u, "a private-use character"],
  [/\p{Cn}/u, "an unassigned code point"],
  [/\p{Default_Ignorable_Code_Point}/u, "an invisible character"],
  [/\p{Z}/u, "a space"],
  [/\p{M}/u, "a combining mark"],
  [/\p{N}/u, "a digit or number"],
  [/\p{P}/u, "a punctuation mark"],
  [/\p{S}/u, "a symbol"],
];

/** "U+200B ZERO WIDTH SPACE"; "U+0430 (a Cyrillic letter)" where the name is not in the table. */
export function describeCodePoint(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = NAMES[code] ?? rangeName(code);
  if (name && !name.startsWith("a ")) return `${hex} ${name}`;
  if (name) return `${hex} (${name})`;
  const char = String.fromCodePoint(code);
  if (/\p{L}/u.test(char)) {
    const script = NAMED_SCRIPTS.find((s) => new RegExp(`\\p{sc=${s}}`, "u").test(char));
    return `${hex} (${script ? `a ${script.replace(/_/g, " ")} letter` : "a letter"})`;
  }
  return `${hex} (${KINDS.find(([re]) => re.test(char))?.[1] ?? "a character"})`;
}

/** "U+200B ZERO WIDTH SPACE at character 5". */
export function describeCharacter(found: FoundCharacter): string {
  return `${describeCodePoint(found.char.codePointAt(0)!)} at character ${found.position}`;
}

/** UTF-8 octets of `text` (RFC 5321 counts octets; RFC 6531 §3.3 says they are UTF-8's). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * The scripts UAX #31 Table 7 recommends for identifiers (Unicode 15.1), by their
 * Script_Extensions names. A letter from any other script (Cherokee, whose letters look like
 * Latin capitals, among them) is refused.
 */
// prettier-ignore
const RECOMMENDED_SCRIPTS = [
  "Arabic", "Armenian", "Bengali", "Bopomofo", "Cyrillic", "Devanagari", "Ethiopic", "Georgian",
  "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana", "Kannada", "Katakana",
  "Khmer", "Lao", "Latin", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thaana",
  "Thai", "Tibetan",
];
/** Scripts messages name a letter by: the recommended ones and others whose letters look Latin. */
// prettier-ignore
const NAMED_SCRIPTS = [
  ...RECOMMENDED_SCRIPTS, "Cherokee", "Coptic", "Glagolitic", "Gothic", "Runic", "Canadian_Aboriginal",
  "Lisu", "Osage", "Deseret", "Old_Italic", "Tifinagh", "Vai", "Adlam", "Syriac", "Mongolian",
];
const SCRIPT_TESTS = RECOMMENDED_SCRIPTS.map((s) => [s, new RegExp(`\\p{scx=${s}}`, "u")] as const);
const ANY_SCRIPT = /[\p{scx=Common}\p{scx=Inherited}]/u;
/** UTS #39 §5.1 augmented script sets: writing systems that combine scripts count as one. */
const AUGMENT: Readonly<Record<string, string[]>> = {
  Han: ["Han with Bopomofo", "Japanese", "Korean"],
  Hiragana: ["Japanese"],
  Katakana: ["Japanese"],
  Hangul: ["Korean"],
  Bopomofo: ["Han with Bopomofo"],
};
/** Latin may join these (UTS #39 §5.2 "Highly Restrictive"). */
const WITH_LATIN = ["Han with Bopomofo", "Japanese", "Korean"];
/** Scripts whose letters look like Latin ones: never mixed with Latin (UTS #39 §5.2 "Moderately Restrictive"). */
const LATIN_LOOKALIKES = ["Cyrillic", "Greek"];

/** The character's augmented script set: "any" (Common, Inherited), [] (no recommended script). */
function scriptsOf(char: string): string[] | "any" {
  if (ANY_SCRIPT.test(char)) return "any";
  const found = SCRIPT_TESTS.filter(([, re]) => re.test(char)).map(([s]) => s);
  return [...new Set(found.flatMap((s) => [s, ...(AUGMENT[s] ?? [])]))];
}

/**
 * Why the letters of `text` (with a Latin domain after it) mix scripts in a way UTS #39 §5.2
 * "Moderately Restrictive" refuses, or undefined. Per UTS #39 §5.1, characters of Common and
 * Inherited script count as every script, and a character with Latin among its scripts joins
 * anything; the others must share a script (the resolved script set), which must be Japanese,
 * Korean or Han with Bopomofo, or one other recommended script that is not Cyrillic or Greek.
 */
export function mixedScriptProblem(text: string): string | undefined {
  let resolved: string[] | undefined;
  let position = 0;
  for (const char of text) {
    position++;
    const scripts = scriptsOf(char);
    if (scripts === "any" || scripts.includes("Latin")) continue;
    const here = describeCharacter({ char, position });
    if (scripts.length === 0)
      return `it has ${here}, from a script Unicode does not recommend for identifiers (UAX #31 Table 7)`;
    const lookalike = scripts.find((s) => LATIN_LOOKALIKES.includes(s));
    if (lookalike && !scripts.some((s) => WITH_LATIN.includes(s)))
      return (
        `it has ${here} among Latin letters (the domain is Latin): ${lookalike} letters look ` +
        "like Latin ones, so an address may join Latin only with a script other than Cyrillic or " +
        "Greek (Unicode UTS #39, Moderately Restrictive)"
      );
    const next: string[] = resolved ? resolved.filter((s) => scripts.includes(s)) : scripts;
    if (next.length === 0)
      return (
        `it has ${here}, from a second script besides Latin: an address may join ` +
        "Latin with one other script (Unicode UTS #39, Moderately Restrictive)"
      );
    resolved = next;
  }
  return undefined;
}
