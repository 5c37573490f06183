// Runs a PowerShell script in the real pwsh, with the stand-in module on PSModulePath.
import { spawn } from "node:child_process";
import { requirePwsh, STAND_IN_MODULES } from "../support/pwsh-tier";

export interface PwshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pwsh -NoLogo -NoProfile -NonInteractive -Command <script>`; env is added to this process's. */
export function runPwsh(script: string, env: Record<string, string> = {}): Promise<PwshRun> {
  return new Promise((done, fail) => {
    const child = spawn(requirePwsh(), ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script], {
      env: { ...process.env, PSModulePath: STAND_IN_MODULES, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** The last line of stdout parsed as JSON (scripts end with `… | ConvertTo-Json -Compress`). */
export function lastJson<T = unknown>(run: PwshRun): T {
  const lines = run.stdout.trim().split(/\r?\n/);
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(
      `pwsh did not end with JSON (exit ${run.code}):\n${run.stdout}\n--- stderr ---\n${run.stderr}`,
    );
  }
}
