// The real runner for preview, up and refresh: the Pulumi Automation API (@pulumi/pulumi/automation,
// LocalWorkspace over the project folder). Each operation runs its own `pulumi` process, with the
// stack's environment (its tenant's credentials: ./environment.ts). Ctrl-C aborts the operation's
// signal, which the Automation API turns into SIGINT for that process: the CLI lets running resource
// operations finish, saves the state and releases the lock (Pulumi's graceful cancellation). Then
// stack.cancel() is asked too, for a backend whose update outlived its process (Pulumi Cloud); its
// error when nothing is running is ignored.
import { LocalWorkspace, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import type { StackOutcome, StackRunner } from "./orchestrate";

/** "2 create, 1 update" from an operation count map (no "same"); undefined when nothing changes. */
export function changesText(ops: OpMap | undefined): string | undefined {
  const parts = Object.entries(ops ?? {})
    .filter(([op, n]) => op !== "same" && (n ?? 0) > 0)
    .map(([op, n]) => `${n} ${op}`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/** Splits output chunks into whole lines for `progress`. */
function lines(progress: (line: string) => void): (chunk: string) => void {
  let buffer = "";
  return (chunk) => {
    buffer += chunk;
    const parts = buffer.split(/\r?\n/);
    buffer = parts.pop() ?? "";
    for (const p of parts) if (p.trim() !== "") progress(p);
  };
}

/** What the runner uses of an Automation API stack (tests give a fake). */
export type AutomationStack = Pick<Stack, "preview" | "up" | "refresh" | "cancel">;

/** LocalWorkspace.selectStack over the project folder, with the stack's own environment. */
export const selectLocalStack = (stackName: string, workDir: string, envVars: Record<string, string>) =>
  LocalWorkspace.selectStack({ stackName, workDir }, { envVars });

export function automationRunner(o: {
  workDir: string;
  envFor: (stack: string) => Record<string, string>;
  select?: (stackName: string, workDir: string, envVars: Record<string, string>) => Promise<AutomationStack>;
}): StackRunner {
  return async ({ stack: stackName, command, signal, progress }): Promise<StackOutcome> => {
    const stack = await (o.select ?? selectLocalStack)(stackName, o.workDir, o.envFor(stackName));
    const onOutput = lines(progress);
    try {
      if (command === "preview") {
        const r = await stack.preview({ onOutput, signal });
        const changes = changesText(r.changeSummary);
        return changes ? { result: "changes", changes } : { result: "succeeded" };
      }
      if (command === "up") {
        const r = await stack.up({ onOutput, signal });
        return { result: "succeeded", ...optional(changesText(r.summary.resourceChanges)) };
      }
      if (command === "refresh") {
        const r = await stack.refresh({ onOutput, signal });
        return { result: "succeeded", ...optional(changesText(r.summary.resourceChanges)) };
      }
      throw new Error(`${command} is not an Automation API operation`);
    } catch (err) {
      if (signal.aborted) await stack.cancel().catch(() => undefined);
      throw err;
    }
  };
}

const optional = (changes: string | undefined) => (changes ? { changes } : {});
