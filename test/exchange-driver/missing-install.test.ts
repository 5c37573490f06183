// A checkout where `npm ci` was skipped, under a shared folder where another user planted a
// node_modules/.bin/tsx (issue #14, "Planted binaries get the secrets"): the Command strings new
// stacks get never run the planted tsx and fail with exit 78 saying to run `npm ci`; the stored
// string, when a tsx from outside the checkout runs it, fails the same way instead of succeeding.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { APPLY_COMMAND, STORED_DRIVER_INVOCATION } from "../../components/exchange-step/entry-points";

const ROOT = resolve(__dirname, "../..");
const ENTRY_FILES = [
  "scripts/exchange-driver/run.cjs",
  "scripts/exchange-driver/installed.cjs",
  "scripts/exchange-driver/require-installed.cjs",
  "scripts/exchange/cli.ts",
];

/** shared/checkout with the entry files and no node_modules; shared/node_modules/.bin/tsx as given. */
function sharedFolder(plantedTsx: "marker" | "real tsx") {
  const shared = mkdtempSync(join(tmpdir(), "exo-shared-"));
  const checkout = join(shared, "checkout");
  for (const f of ENTRY_FILES) {
    mkdirSync(dirname(join(checkout, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(checkout, f));
  }
  const bin = join(shared, "node_modules", ".bin");
  mkdirSync(bin, { recursive: true });
  const marker = join(shared, "planted-tsx-ran");
  if (plantedTsx === "marker") {
    writeFileSync(join(bin, "tsx"), `#!/bin/sh\necho ran > '${marker}'\nexit 0\n`);
    chmodSync(join(bin, "tsx"), 0o755);
  } else symlinkSync(join(ROOT, "node_modules", ".bin", "tsx"), join(bin, "tsx"));
  return { shared, checkout, bin, marker };
}

/** As @pulumi/command under `npx pulumi up`: sh -c in the checkout, the parent's .bin on PATH. */
function run(command: string, f: ReturnType<typeof sharedFolder>) {
  return spawnSync("/bin/sh", ["-c", command], {
    cwd: f.checkout,
    env: { PATH: [f.bin, dirname(process.execPath), "/usr/bin", "/bin"].join(":"), HOME: f.shared },
    encoding: "utf8",
  });
}

describe("a checkout where npm ci was not run", () => {
  it("the new Command string never runs a planted tsx and exits 78 saying to run npm ci", () => {
    const f = sharedFolder("marker");
    const r = run(APPLY_COMMAND, f);
    expect(r.status).toBe(78);
    expect(r.stderr).toBe(
      `exo-oauth exchange: this checkout's dependencies are not installed (node_modules/.package-lock.json, node_modules/tsx/dist/cjs/api/index.cjs missing in ${f.checkout}): run \`npm ci\` there, then run again. Nothing was changed in Exchange.\n`,
    );
    expect(r.stdout).toBe("");
    expect(existsSync(f.marker)).toBe(false);
  });

  it("the stored Command string, run by a tsx from outside the checkout, exits 78 instead of succeeding", () => {
    const f = sharedFolder("real tsx");
    const r = run(`${STORED_DRIVER_INVOCATION} apply`, f);
    expect(r.stderr).toContain("this checkout's dependencies are not installed");
    expect(r.status).toBe(78);
    expect(r.stdout).toBe("");
  });
});
