// Runs a PowerShell script in the real pwsh, with the stand-in module on PSModulePath.
import { runChild } from "../../scripts/cli/child-process";
import { requirePwsh, STAND_IN_MODULES } from "../support/pwsh-tier";

export interface PwshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pwsh -NoLogo -NoProfile -NonInteractive -Command <script>`; env is added to this process's. */
export function runPwsh(script: string, env: Record<string, string> = {}): Promise<PwshRun> {
  return runChild(requirePwsh(), ["-NoLogo", "-NoProfile", "-NonInteractive", "-Command", script], {
    env: { ...process.env, PSModulePath: STAND_IN_MODULES, ...env },
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
