// One way to run a child process and collect what it printed: the tools that start another
// program (the demo's scheduled job, the benchmarks) and the tests that run a tool as a user does.
import { spawn } from "node:child_process";

export interface ChildRun {
  /** The exit code; null when a signal ended it (a timeout included). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string;
  /** Killed (SIGTERM) after this many ms; default: never. */
  timeoutMs?: number;
}

/** Runs `file args` and resolves when it has exited and closed its streams (UTF-8 text). */
export function runChild(file: string, args: readonly string[], o: ChildOptions = {}): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const child = spawn(file, [...args], {
      cwd: o.cwd,
      env: (o.env ?? process.env) as NodeJS.ProcessEnv,
      stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(o.timeoutMs !== undefined ? { timeout: o.timeoutMs } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    if (o.stdin !== undefined) child.stdin!.end(o.stdin);
  });
}
