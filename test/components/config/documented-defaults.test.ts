// The defaults and bounds the docs state are the ones the code applies: docs/configuration.md's
// reference table, its rule across keys and README's rotation sentence are read and compared with
// their one home in the code, and the stack config is checked to really apply them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DISPLAY_NAME_MAX, parseStackConfig } from "../../../components/config";
import { RETRY_DEADLINE_SECONDS } from "../../../components/exchange-step/settings";
import { MAX_SECRET_LIFETIME_DAYS } from "../../../components/microsoft";
import { GRACE_DAYS, ROTATION_DAYS, SECRET_LIFETIME_DAYS } from "../../../components/rotationSchedule";
import { MINIMAL } from "./corpus";

const ROOT = join(__dirname, "../../..");
const CONFIGURATION = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The reference table's row for `key`: its default and allowed columns. */
function row(key: string): { default: string; allowed: string } {
  const line = CONFIGURATION.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
  if (!line) throw new Error(`docs/configuration.md has no reference row for \`${key}\``);
  const [, def, allowed] = line
    .split("|")
    .map((c) => c.trim())
    .filter((c, i, all) => i > 0 && i < all.length - 1);
  return { default: def, allowed };
}
const num = (text: string, re: RegExp, what: string): number[] => {
  const m = re.exec(text);
  if (!m) throw new Error(`${what}: ${JSON.stringify(text)} does not match ${re}`);
  return m.slice(1).map(Number);
};

const parse = (secret: Record<string, unknown>) =>
  parseStackConfig({ stack: "dev", values: { ...MINIMAL, secret }, secretKeys: new Set() });

describe("docs/configuration.md's reference table matches the code", () => {
  it("secret.rotationDays: default and bounds", () => {
    const r = row("secret.rotationDays");
    expect(Number(r.default)).toBe(ROTATION_DAYS.default);
    expect(num(r.allowed, /^(\d+) to (\d+)$/, "secret.rotationDays")).toEqual([
      ROTATION_DAYS.min,
      ROTATION_DAYS.max,
    ]);
  });

  it("secret.graceDays: default, minimum, and at most rotationDays", () => {
    const r = row("secret.graceDays");
    expect(Number(r.default)).toBe(GRACE_DAYS.default);
    expect(num(r.allowed, /^(\d+) to rotationDays$/, "secret.graceDays")).toEqual([GRACE_DAYS.min]);
  });

  it("secret.maxLifetimeDays: unset by default (Microsoft's cap), and its bounds", () => {
    const r = row("secret.maxLifetimeDays");
    expect(num(r.default, /^none: Microsoft's (\d+)$/, "default")).toEqual([SECRET_LIFETIME_DAYS.default]);
    expect(num(r.allowed, /^(\d+) to (\d+):/, "secret.maxLifetimeDays")).toEqual([
      SECRET_LIFETIME_DAYS.min,
      SECRET_LIFETIME_DAYS.max,
    ]);
  });

  it("the rule across keys: 2 × rotationDays + graceDays at most Microsoft's cap", () => {
    expect(
      num(CONFIGURATION, /`2 × secret\.rotationDays \+ secret\.graceDays` must be at most (\d+)/, "rule"),
    ).toEqual([MAX_SECRET_LIFETIME_DAYS]);
  });

  it("exchange.retryDeadlineSeconds and application.displayName", () => {
    const retry = row("exchange.retryDeadlineSeconds");
    expect(Number(retry.default)).toBe(RETRY_DEADLINE_SECONDS.default);
    expect(num(retry.allowed, /^(\d+) to (\d+)\b/, "retryDeadlineSeconds")).toEqual([
      RETRY_DEADLINE_SECONDS.min,
      RETRY_DEADLINE_SECONDS.max,
    ]);
    expect(num(row("application.displayName").allowed, /^1 to (\d+) characters/, "displayName")).toEqual([
      DISPLAY_NAME_MAX,
    ]);
  });
});

describe("README's rotation sentence matches the code", () => {
  it("states the default period and overlap", () => {
    expect(num(README, /rotated every (\d+) days with (\d+) days of overlap/, "README")).toEqual([
      ROTATION_DAYS.default,
      GRACE_DAYS.default,
    ]);
  });
});

describe("the stack config applies those values", () => {
  it("defaults secret to the documented period and grace", () => {
    const result = parseStackConfig({ stack: "dev", values: MINIMAL, secretKeys: new Set() });
    expect(result.ok && result.config.secret).toEqual({
      rotationDays: ROTATION_DAYS.default,
      graceDays: GRACE_DAYS.default,
    });
  });

  it("accepts the bounds and refuses one past each", () => {
    const ok = (s: Record<string, number>) => parse(s).ok;
    expect(ok({ rotationDays: ROTATION_DAYS.min, graceDays: GRACE_DAYS.min })).toBe(true);
    expect(ok({ rotationDays: ROTATION_DAYS.min - 1, graceDays: GRACE_DAYS.min })).toBe(false);
    expect(ok({ rotationDays: ROTATION_DAYS.max + 1, graceDays: GRACE_DAYS.min })).toBe(false);
    expect(ok({ rotationDays: 30, graceDays: GRACE_DAYS.min - 1 })).toBe(false);
    expect(ok({ rotationDays: 30, graceDays: 30 })).toBe(true);
    expect(ok({ rotationDays: 30, graceDays: 31 })).toBe(false);
    // The longest period the minimum grace allows under the cap, and one more.
    const longest = Math.floor((MAX_SECRET_LIFETIME_DAYS - GRACE_DAYS.min) / 2);
    expect(ok({ rotationDays: longest, graceDays: GRACE_DAYS.min })).toBe(true);
    expect(ok({ rotationDays: longest + 1, graceDays: GRACE_DAYS.min })).toBe(false);
    // maxLifetimeDays: its bounds, and the rule against it.
    expect(ok({ rotationDays: 7, graceDays: 1, maxLifetimeDays: SECRET_LIFETIME_DAYS.min })).toBe(true);
    expect(ok({ rotationDays: 7, graceDays: 1, maxLifetimeDays: SECRET_LIFETIME_DAYS.min - 1 })).toBe(false);
    expect(ok({ maxLifetimeDays: SECRET_LIFETIME_DAYS.max + 1 })).toBe(false);
    expect(ok({ rotationDays: 83, graceDays: 14, maxLifetimeDays: 180 })).toBe(true);
    expect(ok({ rotationDays: 84, graceDays: 14, maxLifetimeDays: 180 })).toBe(false);
  });
});
