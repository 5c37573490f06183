// Runs a tool as a user does: a separate process in the project root, its output collected. `tool`
// runs what the package.json script runs (tsx <file>) as ONE process, node with tsx's loader: the
// tsx CLI would start node a second time for the same program (about a third more CPU per run, on
// hundreds of runs a suite); `npm` runs the package.json script itself.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runChild } from "../../scripts/cli/child-process";

export const ROOT = resolve(__dirname, "../..");
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** The files the package.json scripts run (test/cli/package-scripts.test.ts checks they match). */
export const TOOLS = {
  exchange: "scripts/exchange-driver/cli.ts",
  verify: "scripts/operator/verify/cli.ts",
  "bench:exchange": "scripts/bench/exchange.ts",
  "bench:pwsh": "scripts/bench/pwsh.ts",
  stacks: "scripts/operator/stacks/cli.ts",
  "check-expiry": "scripts/operator/check-expiry/cli.ts",
  fleet: "scripts/operator/fleet/cli.ts",
  "bench:fleet": "scripts/bench/fleet/cli.ts",
  "consumer-config": "scripts/operator/consumer-config/cli.ts",
  "bench:reliability": "scripts/bench/reliability.ts",
  demo: "scripts/offline-tenant/demo/cli.ts",
  "offline-tenant": "scripts/offline-tenant/cli.ts",
} as const;

export type ToolName = keyof typeof TOOLS;

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The whole environment (default: PATH and HOME only, so nothing of the caller's leaks in). */
  env?: Record<string, string | undefined>;
  /** Killed after this many ms (default 60 s). */
  timeoutMs?: number;
}

/** The environment a tool gets by default: PATH and HOME, nothing else (no NO_COLOR, no TERM). */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

export function spawnCollect(file: string, args: readonly string[], o: RunOptions = {}): Promise<ProcessRun> {
  return runChild(file, args, { cwd: ROOT, env: o.env ?? baseEnv(), timeoutMs: o.timeoutMs ?? 60_000 });
}

/** `tsx <the tool's file> args`: what `npm run <tool> -- args` runs. */
export function runTool(tool: ToolName, args: readonly string[], o: RunOptions = {}): Promise<ProcessRun> {
  return spawnCollect(process.execPath, ["--import", TSX_LOADER, TOOLS[tool], ...args], o);
}

/** `npm run -s <tool> -- args`, the package.json script itself. */
export function runNpm(tool: ToolName, args: readonly string[], o: RunOptions = {}): Promise<ProcessRun> {
  return spawnCollect("npm", ["run", "-s", tool, "--", ...args], o);
}

/** A C0/C1 control or bidi override anywhere: what escaped output never holds (newlines aside). */
export const RAW_CONTROL = /(?!\n)[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

/** An ANSI escape sequence (ESC [). */
export const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
