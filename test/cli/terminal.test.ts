// What a tool may print where: colour and Unicode only on a terminal that shows them (no colour with
// NO_COLOR, none on TERM=dumb, none in a pipe), ASCII stand-ins otherwise.
import { describe, expect, it } from "vitest";
import { detectTerminal, fitText, paint, PLAIN, symbols } from "../../scripts/cli/terminal";

const tty = { isTTY: true };
const pipe = { isTTY: false };
const UTF8 = { LANG: "en_US.UTF-8", TERM: "xterm-256color" };

describe("the terminal a tool writes to", () => {
  it.each([
    ["a UTF-8 terminal", tty, UTF8, { color: true, unicode: true }],
    ["a terminal with NO_COLOR set", tty, { ...UTF8, NO_COLOR: "1" }, { color: false, unicode: true }],
    [
      "a terminal with an empty NO_COLOR (not set, per no-color.org)",
      tty,
      { ...UTF8, NO_COLOR: "" },
      { color: true, unicode: true },
    ],
    ["a terminal in the C locale", tty, { TERM: "xterm", LANG: "C" }, { color: true, unicode: false }],
    ["TERM=dumb", tty, { ...UTF8, TERM: "dumb" }, PLAIN],
    ["a pipe", pipe, UTF8, PLAIN],
    ["a pipe with FORCE_COLOR", pipe, { ...UTF8, FORCE_COLOR: "1" }, PLAIN],
  ])("%s", (_what, stream, env, expected) => {
    expect(detectTerminal(stream, env, "linux")).toEqual(expected);
  });

  it("on Windows, Unicode in Windows Terminal only", () => {
    expect(detectTerminal(tty, { WT_SESSION: "x" }, "win32").unicode).toBe(true);
    expect(detectTerminal(tty, {}, "win32").unicode).toBe(false);
  });

  it("gives ASCII stand-ins of the same meaning, and colour only where it shows", () => {
    expect(symbols(PLAIN)).toMatchObject({ pass: "ok", fail: "FAIL", none: "-", ellipsis: "..." });
    expect(symbols({ color: false, unicode: true })).toMatchObject({ pass: "✓", fail: "✗" });
    expect(fitText(PLAIN, "10× faster — N−1 … ∞")).toBe("10x faster - N-1 ... inf");
    expect(paint(PLAIN, "red", "FAIL")).toBe("FAIL");
    expect(paint({ color: true, unicode: false }, "red", "FAIL")).toBe("\u001b[31mFAIL\u001b[39m");
  });
});
