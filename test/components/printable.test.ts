// The one escaping helper: what a value from outside may not do to a terminal or a log.
import { describe, expect, it } from "vitest";
import { needsEscaping, printable, printableJson } from "../../components/printable";

describe("printable", () => {
  it.each([
    [
      "a newline that would forge a log line",
      "x\nexo-oauth exchange: done: in sync",
      "x\\nexo-oauth exchange: done: in sync",
    ],
    ["a carriage return that would overwrite the line", "ok\rFAIL", "ok\\rFAIL"],
    ["an ANSI colour and a clear-screen", "\u001b[31mred\u001b[2J", "\\u{1b}[31mred\\u{1b}[2J"],
    ["an OSC 8 hyperlink", "\u001b]8;;http://evil\u0007x", "\\u{1b}]8;;http://evil\\u{7}x"],
    ["a C1 CSI", "a\u009b31m", "a\\u{9b}31m"],
    ["bidi overrides and isolates", "abc\u202edcba\u2066x\u2069", "abc\\u{202e}dcba\\u{2066}x\\u{2069}"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u{2028}b\\u{2029}c"],
    ["zero-width characters and a BOM", "a\u200bb\ufeff", "a\\u{200b}b\\u{feff}"],
    ["a lone surrogate", "a\ud800b", "a\\u{d800}b"],
    ["a tab", "a\tb", "a\\tb"],
  ])("shows %s", (_what, text, shown) => {
    expect(printable(text)).toBe(shown);
    expect(needsEscaping(text)).toBe(true);
    expect(needsEscaping(printable(text))).toBe(false);
  });

  it("leaves ordinary text alone: accents, other scripts, emoji, backslashes, quotes", () => {
    for (const text of ["Zoë Ångström", "日本語のメール", "✓ 😀", "CONTOSO\\helpdesk", `"quoted" 'x'`]) {
      expect(printable(text)).toBe(text);
      expect(needsEscaping(text)).toBe(false);
    }
  });

  it("writes JSON a parser reads back unchanged, with nothing left raw for a person", () => {
    const value = { name: "a\u202eb\u009bc\u2028d", list: ["x\ny"] };
    const text = printableJson(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/[\u007f-\u009f\u202e\u2028]/);
    expect(text.split("\n").length).toBeGreaterThan(3);
  });
});
