// The identity rules (components/identifiers.ts, components/characters.ts): what an address and a
// name may hold, and how a refusal names the character.
import { describe, expect, it } from "vitest";
import { printable } from "../../components/printable";
import {
  ADDRESS_MAX_OCTETS,
  addressKey,
  addressProblem,
  describeCodePoint,
  firstInvisible,
  isMailboxAddress,
  LOCAL_PART_MAX_OCTETS,
  nameProblem,
  normaliseAddress,
} from "../../components/identifiers";

const reason = (a: string) => addressProblem(a)?.reason;

describe("a mailbox address", () => {
  it.each([
    "helpdesk@contoso.com",
    "o'brien@contoso.com",
    "first.last+tag@mail.contoso.co.uk",
    "$ceo`{x}|y~#%&*=?^_!/-@contoso.com",
    "müller@contoso.com",
    "مريم@contoso.com",
    "たなか田中@contoso.com",
    "김민준@contoso.com",
    "user42@contoso.com",
  ])("accepts %s", (a) => {
    expect(addressProblem(a)).toBeUndefined();
  });

  it.each([
    ["NUL", "help\u0000desk@contoso.com", "U+0000 NULL at character 5"],
    ["LF", "helpdesk@contoso.com\n", "U+000A LINE FEED (LF) at character 21"],
    ["U+0085 NEL", "help\u0085desk@contoso.com", "U+0085 NEXT LINE (NEL)"],
    ["U+200B", "help\u200bdesk@contoso.com", "U+200B ZERO WIDTH SPACE at character 5"],
    ["U+200D", "help\u200ddesk@contoso.com", "U+200D ZERO WIDTH JOINER"],
    ["U+2028", "help\u2028desk@contoso.com", "U+2028 LINE SEPARATOR"],
    ["U+2029", "help\u2029desk@contoso.com", "U+2029 PARAGRAPH SEPARATOR"],
    ["U+202E", "\u202ehelpdesk@contoso.com", "U+202E RIGHT-TO-LEFT OVERRIDE"],
    ["U+3164 (default-ignorable, a letter)", "help\u3164desk@contoso.com", "U+3164 HANGUL FILLER"],
    ["U+FE0F (default-ignorable, a mark)", "help\ufe0fdesk@contoso.com", "U+FE0F VARIATION SELECTOR-16"],
  ])("refuses an invisible character: %s, named by code point", (_what, a, named) => {
    const r = reason(a);
    expect(r).toContain(named);
    expect(r).toContain("Cc, Cf, Zl, Zp");
    expect(firstInvisible(r!)).toBeUndefined();
  });

  it("measures the local part in UTF-8 octets: 64 allowed, 65 refused (RFC 5321 §4.5.3.1.1)", () => {
    expect(LOCAL_PART_MAX_OCTETS).toBe(64);
    expect(isMailboxAddress(`${"a".repeat(64)}@contoso.com`)).toBe(true);
    expect(reason(`${"a".repeat(65)}@contoso.com`)).toBe(
      "the part before the @ is 65 octets long: at most 64 (RFC 5321 §4.5.3.1.1)",
    );
    expect(isMailboxAddress(`${"ü".repeat(32)}@contoso.com`)).toBe(true);
    expect(reason(`${"ü".repeat(33)}@contoso.com`)).toContain("66 octets");
    expect(reason(`${"a".repeat(10_000)}@contoso.com`)).toContain("10000 octets");
  });

  it("allows 254 octets in all, refuses 255 (RFC 5321 §4.5.3.1.3 with the RFC 3696 errata)", () => {
    expect(ADDRESS_MAX_OCTETS).toBe(254);
    const domain = (n: number) => `${"d".repeat(63)}.${"d".repeat(63)}.${"d".repeat(n)}.com`;
    const at254 = `${"l".repeat(64)}@${domain(57)}`;
    expect(at254.length).toBe(254);
    expect(isMailboxAddress(at254)).toBe(true);
    expect(reason(`${"l".repeat(64)}@${domain(58)}`)).toBe(
      "it is 255 octets long: at most 254 (RFC 5321 §4.5.3.1.3)",
    );
  });

  it("refuses typographic quotes (PowerShell reads them as quotes) and names the ASCII apostrophe", () => {
    expect(reason("o’brien@contoso.com")).toBe(
      "it has U+2019 RIGHT SINGLE QUOTATION MARK at character 2; beyond ASCII an address takes only " +
        "letters, marks and digits (write the ASCII apostrophe ' if the address has one)",
    );
    for (const q of ["‘", "‚", "‛", "“", "”", "„"])
      expect(isMailboxAddress(`o${q}brien@contoso.com`)).toBe(false);
  });

  it("refuses what NFKC would change instead of mapping it (a fullwidth letter, a decomposed é)", () => {
    expect(reason("\uff48elpdesk@contoso.com")).toBe(
      'it has U+FF48 FULLWIDTH LATIN SMALL LETTER H at character 1, a compatibility form of "h" (Unicode NFKC): write "h"',
    );
    expect(reason("jose\u0301@contoso.com")).toContain("normalization form NFKC");
    expect(isMailboxAddress("jos\u00e9@contoso.com")).toBe(true);
  });

  it("refuses Cyrillic and Greek letters among Latin ones, whole-script look-alikes included (UTS #39 §5.2)", () => {
    expect(reason("p\u0430ypal@contoso.com")).toContain("U+0430 (a Cyrillic letter) at character 2");
    expect(reason("\u0441\u0435\u043e@contoso.com")).toContain("U+0441 (a Cyrillic letter) at character 1");
    expect(reason("hel\u03bfdesk@contoso.com")).toContain("U+03BF (a Greek letter)");
    expect(reason("p\u0430ypal@contoso.com")).toContain("UTS #39, Moderately Restrictive");
  });

  it("refuses two scripts besides Latin, and scripts UAX #31 does not recommend", () => {
    expect(reason("مريمשלום@contoso.com")).toContain("U+05E9 (a Hebrew letter) at character 5");
    expect(reason("\u13aadmin@contoso.com")).toContain("U+13AA (a Cherokee letter)");
    expect(reason("\u13aadmin@contoso.com")).toContain("UAX #31");
  });

  it("accepts the combinations UTS #39 allows with Latin: Japanese, Korean, Han with Bopomofo, one other script", () => {
    expect(isMailboxAddress("tanaka田中たなかタナカ@contoso.com")).toBe(true);
    expect(isMailboxAddress("kim김민준@contoso.com")).toBe(true);
    expect(isMailboxAddress("li李ㄌㄧ@contoso.com")).toBe(true);
    expect(isMailboxAddress("maryam.مريم@contoso.com")).toBe(true);
  });

  it("refuses a non-ASCII domain and punctuation beyond ASCII as not an address", () => {
    expect(addressProblem("helpdesk@cont\u043eso.com")?.kind).toBe("shape");
    expect(addressProblem("helpdesk\uff20contoso.com")?.kind).toBe("shape");
    expect(addressProblem("$(x)@contoso.com")?.kind).toBe("shape");
    expect(reason("help..desk@contoso.com")).toContain("dot-atom");
  });

  it("is stored trimmed of spaces and in lower case, nothing mapped; compared in NFKC", () => {
    expect(normaliseAddress("  HelpDesk@Contoso.COM ")).toBe("helpdesk@contoso.com");
    expect(normaliseAddress("helpdesk\uff20contoso.com")).toBe("helpdesk\uff20contoso.com");
    expect(normaliseAddress("helpdesk@contoso.com\u2028")).toBe("helpdesk@contoso.com\u2028");
    expect(addressKey("\uff28elpdesk@contoso.com")).toBe(addressKey("helpdesk@contoso.com"));
  });
});

describe("a name (an application's display name)", () => {
  it.each([
    ["LF", "Mail OAuth\nRemove-Mailbox", "U+000A LINE FEED (LF) at character 11"],
    ["CR", "Mail OAuth\rx", "U+000D CARRIAGE RETURN (CR)"],
    ["NEL", "Mail\u0085OAuth", "U+0085 NEXT LINE (NEL)"],
    ["U+2028", "Mail\u2028OAuth", "U+2028 LINE SEPARATOR"],
    ["U+2029", "Mail\u2029OAuth", "U+2029 PARAGRAPH SEPARATOR"],
    ["NUL", "Mail\u0000OAuth", "U+0000 NULL"],
    ["ESC", "Mail\u001b[2J", "U+001B ESCAPE"],
    ["U+200B", "Mail\u200bOAuth", "U+200B ZERO WIDTH SPACE"],
    ["a tag", "Mail\u{e0041}", "U+E0041 (a tag character)"],
  ])("refuses %s by code point", (_what, name, named) => {
    expect(nameProblem(name)).toContain(named);
  });

  it("allows visible text of any kind: quotes, typographic quotes, $, backticks, other scripts", () => {
    for (const name of ["O'Brien’s desk", "“Mail” „OAuth“", "$(x) `n @(y)", "Почта OAuth", "メール"])
      expect(nameProblem(name)).toBeUndefined();
  });
});

describe("characters in messages", () => {
  it("are named by code point and Unicode name", () => {
    expect(describeCodePoint(0x200b)).toBe("U+200B ZERO WIDTH SPACE");
    expect(describeCodePoint(0x0a)).toBe("U+000A LINE FEED (LF)");
    expect(describeCodePoint(0xe0100)).toBe("U+E0100 VARIATION SELECTOR-17");
    expect(describeCodePoint(0x0430)).toBe("U+0430 (a Cyrillic letter)");
    expect(describeCodePoint(0xe000)).toBe("U+E000 (a private-use character)");
  });

  it("are shown escaped, never raw, when a value is quoted", () => {
    expect(printable("help\u200bdesk\u2028\u0085\u3164")).toBe("help\\u{200b}desk\\u{2028}\\u{85}\\u{3164}");
    expect(printable("O’Brien")).toBe("O’Brien");
  });
});
