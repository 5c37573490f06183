// The installed dependency versions the real `pulumi up` depends on (docs/pulumi-lifecycle.md):
// mocked tests pass with wrong versions, a real update would not.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");

function installed(pkg: string): { version: string; peerDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8"));
}
function declared(pkg: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return manifest.dependencies?.[pkg] ?? manifest.devDependencies?.[pkg];
}

type Version = [number, number, number];
/** `x.y.z` (pre-release/build ignored); a bound may be partial: `7` = `7.0.0`. */
function parse(v: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(v.trim());
  if (!m) throw new Error(`not a version: ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}
function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
/** Satisfies a range made of `>= x.y.z` / `< x` comparators (the shape of @pulumi/pulumi's peer ranges). */
function satisfies(version: string, range: string): boolean {
  const comparators = range.match(/(>=|<=|>|<)\s*\d+(\.\d+){0,2}/g);
  if (!comparators || comparators.join("").replace(/\s/g, "") !== range.replace(/\s/g, ""))
    throw new Error(`unsupported range ${JSON.stringify(range)}`);
  const v = parse(version);
  return comparators.every((c) => {
    const [, op, bound] = /^(>=|<=|>|<)\s*(.+)$/.exec(c)!;
    const d = compare(v, parse(bound));
    return op === ">=" ? d >= 0 : op === "<=" ? d <= 0 : op === ">" ? d > 0 : d < 0;
  });
}

describe("installed versions", () => {
  it("@pulumi/command is exactly 1.2.1 (the mirror's 4.5.0 asks for a plugin that does not exist)", () => {
    expect(installed("@pulumi/command").version).toBe("1.2.1");
    expect(declared("@pulumi/command")).toBe("1.2.1");
  });

  it("@pulumi/pulumi is 3.270.x", () => {
    expect(installed("@pulumi/pulumi").version).toMatch(/^3\.270\.\d+$/);
  });

  it("@pulumi/azuread is 6.9.x", () => {
    expect(installed("@pulumi/azuread").version).toMatch(/^6\.9\.\d+$/);
  });

  it("typescript is 5.x and inside @pulumi/pulumi's peer range >=3.8.3 <7", () => {
    const { version } = installed("typescript");
    expect(version).toMatch(/^5\.\d+\.\d+$/);
    expect(satisfies(version, ">= 3.8.3 < 7.0.0")).toBe(true);
    expect(satisfies(version, installed("@pulumi/pulumi").peerDependencies!.typescript)).toBe(true);
  });

  it("ts-node is 10.x and inside @pulumi/pulumi's peer range >=7.0.1 <12", () => {
    const { version } = installed("ts-node");
    expect(version).toMatch(/^10\.\d+\.\d+$/);
    expect(satisfies(version, ">= 7.0.1 < 12.0.0")).toBe(true);
    expect(satisfies(version, installed("@pulumi/pulumi").peerDependencies!["ts-node"])).toBe(true);
  });

  it.each<[string, string, boolean]>([
    ["5.9.3", ">= 3.8.3 < 7.0.0", true],
    ["3.8.3", ">= 3.8.3 < 7.0.0", true],
    ["3.8.2", ">= 3.8.3 < 7.0.0", false],
    ["7.0.0", ">= 3.8.3 < 7.0.0", false],
    ["10.9.2", ">= 7.0.1 < 12.0.0", true],
    ["11.9.9", ">= 7.0.1 < 12", true],
    ["12.0.0", ">= 7.0.1 < 12", false],
  ])("the range check itself: %s in %s is %s", (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
