// Printing text the tool did not write itself: the ONE escaping helper. A value that comes from the
// stack config, the environment, the command line, PowerShell, Exchange or a mail server may carry
// terminal escape sequences (ESC [ …, OSC 8 links, a clear-screen), carriage returns and newlines
// (a forged "done: in sync" line in a log), C1 controls (which some terminals run like ESC
// sequences) and bidirectional overrides or line separators (text that reads differently than it
// is). `printable` shows each such character visibly, so a value always prints as one line whose
// characters are all there to see (docs/operations.md, "Command line").
//
//   stderr(`exo-oauth exchange: granted ${printable(address)}\n`)
//
// What is escaped: every control character (Unicode Cc: C0, DEL, C1), every format character
// (Cf: bidi embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, soft
// hyphen, tag characters), the line and paragraph separators (U+2028, U+2029), any lone
// surrogate, and the default-ignorable code points that render as nothing (UAX #44: Hangul
// fillers, variation selectors, U+034F — the identity rules refuse the same set, components/characters.ts). \n, \r and \t become `\n`, `\r`, `\t`; everything else `\u{hex}`. Backslashes are left
// as they are (Windows paths and DOMAIN\user names stay readable): an escape never runs anything.
// Secrets are a different concern: components/redact.ts masks them; redact first, then escape.
// Pure: no Node APIs.

/** The characters `printable` escapes (see the file comment). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One unsafe character as the escape `printable` shows for it. */
function escapeOne(ch: string): string {
  return SHORT[ch] ?? `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/** The text with every control, format and separator character shown as an escape: one safe line. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** Whether `printable` would change the text. */
export function needsEscaping(text: string): boolean {
  return new RegExp(UNSAFE.source, "u").test(text);
}

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal acts on (C1 controls,
 * DEL, bidi and other format characters, U+2028/U+2029) written as `\uXXXX` escapes: the same
 * document for a parser, nothing hidden or reordered for a person reading it.
 */
export function printableJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  // JSON.stringify escapes C0 inside strings: a raw "\n" is the indentation's, and stays.
  return text.replace(UNSAFE, (ch) =>
    ch === "\n"
      ? ch
      : [...Array(ch.length).keys()]
          .map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`)
          .join(""),
  );
}
