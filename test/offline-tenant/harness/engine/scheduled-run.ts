// The scheduled run as README.md prescribes it ("6. Run it every day"): the GitHub Actions job's
// pulumi/actions step, read from the README itself, so the day-two tests run exactly what users
// schedule (pulumi/actions inputs: `command`, `refresh` — its action.yml).
import { load } from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fencedBlocks, section } from "../../../docs/markdown";

export interface ScheduledRun {
  command: string;
  /** `pulumi up --refresh`. */
  refresh: boolean;
}

export function scheduledRunFromReadme(): ScheduledRun {
  const readme = readFileSync(join(__dirname, "../../../../README.md"), "utf8");
  const text = section(readme, "6. Run it every day");
  const yaml = fencedBlocks(text).find((b) => b.lang === "yaml");
  if (!yaml) throw new Error('README.md "6. Run it every day" has no yaml block');
  const job = load(yaml.body) as { jobs: Record<string, { steps: Array<Record<string, unknown>> }> };
  const steps = Object.values(job.jobs).flatMap((j) => j.steps);
  const step = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@"));
  if (!step) throw new Error('README.md "6. Run it every day" runs no pulumi/actions step');
  const inputs = (step.with ?? {}) as Record<string, unknown>;
  return { command: String(inputs.command), refresh: inputs.refresh === true || inputs.refresh === "true" };
}
