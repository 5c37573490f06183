// The GitHub Actions workflows (.github/workflows/) and their setup action, read as GitHub reads
// them (YAML): the jobs each has, the commands they call (each an npm script of package.json whose
// tool accepts those options, asked through the tool's own spec), the permissions (contents: read by
// default; id-token: write only in jobs that sign in to Azure), and every version pinned.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseCommandLine, type ToolSpec } from "../../scripts/cli/args";
import { DRIVER_SPEC } from "../../scripts/exchange-driver/cli-spec";
import { CHECK_EXPIRY_SPEC } from "../../scripts/operator/check-expiry/spec";
import { STACKS_SPEC } from "../../scripts/operator/stacks/spec";
import { VERIFY_SPEC } from "../../scripts/operator/verify/options";
import { ROOT } from "../support/cli-process";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  shell?: string;
  "continue-on-error"?: boolean;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: string;
  strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix?: Record<string, unknown> };
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const DIR = join(ROOT, ".github", "workflows");
const SETUP = join(ROOT, ".github", "actions", "setup", "action.yml");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const workflows = Object.fromEntries(files.map((f) => [f, load(text(f)) as Workflow]));
const setupText = readFileSync(SETUP, "utf8");
const setup = load(setupText) as { runs: { steps: Step[] } };
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** The tools a workflow may call, by npm script, with the spec their parser uses. */
const SPECS: Record<string, ToolSpec> = {
  stacks: STACKS_SPEC,
  "check-expiry": CHECK_EXPIRY_SPEC,
  verify: VERIFY_SPEC,
  exchange: DRIVER_SPEC,
};

/** Every `npm run [-s] <script> -- <args>` in a run script: the script and its arguments as the shell splits them. */
function npmCalls(run: string): { script: string; args: string[] }[] {
  const out: { script: string; args: string[] }[] = [];
  for (const m of run.matchAll(/npm run (?:-s )?([\w:-]+)(?: -- ([^|)>\n]*))?/g)) {
    const args = (m[2] ?? "")
      .replace(/\s2$/, "")
      .trim()
      .split(/\s+/)
      .filter((a) => a !== "")
      .map((a) => a.replace(/^"(.*)"$/, "$1"));
    out.push({ script: m[1], args });
  }
  return out;
}

const allSteps = [
  ...Object.entries(workflows).flatMap(([f, w]) =>
    Object.entries(w.jobs).flatMap(([j, job]) => job.steps.map((s) => ({ where: `${f} ${j}`, step: s }))),
  ),
  ...setup.runs.steps.map((s) => ({ where: "setup action", step: s })),
];

describe("the workflows", () => {
  it("are preview (pull request), up (push to main) and daily (schedule)", () => {
    expect(files.sort()).toEqual(["daily.yml", "preview.yml", "up.yml"]);
    expect(Object.keys(workflows["preview.yml"].on)).toEqual(["pull_request"]);
    expect(workflows["up.yml"].on).toEqual({ push: { branches: ["main"] } });
    expect(Object.keys(workflows["daily.yml"].on)).toEqual(["schedule", "workflow_dispatch"]);
  });

  it.each(files)(
    "%s: contents: read by default; id-token: write only in the jobs that sign in to Azure",
    (f) => {
      const w = workflows[f];
      expect(w.permissions).toEqual({ contents: "read" });
      for (const [name, job] of Object.entries(w.jobs)) {
        const signsIn = job.env?.ARM_USE_OIDC === "true";
        expect({ job: name, idToken: job.permissions?.["id-token"] }).toEqual({
          job: name,
          idToken: signsIn ? "write" : undefined,
        });
        if (signsIn) {
          expect(job.permissions?.contents).toBe("read");
          // OIDC, no stored Azure secret: the provider reads GitHub's ID-token request variables.
          expect(Object.keys(job.env ?? {})).not.toContain("ARM_CLIENT_SECRET");
          expect(job.env).toMatchObject({
            ARM_CLIENT_ID: "${{ vars.ARM_CLIENT_ID }}",
            ARM_TENANT_ID: "${{ vars.ARM_TENANT_ID }}",
          });
        }
        const extra = Object.keys(job.permissions ?? {}).filter((p) => !["contents", "id-token"].includes(p));
        expect(extra).toEqual(f === "preview.yml" && name === "preview" ? ["pull-requests"] : []);
      }
    },
  );

  it.each(files)(
    "%s: one job per stack from `npm run stacks -- --json`, fail-fast off, max-parallel set",
    (f) => {
      const w = workflows[f];
      const list = w.jobs.stacks.steps.find((s) => s.id === "list")!;
      expect(npmCalls(list.run!).every((c) => c.script === "stacks" && c.args.includes("--json"))).toBe(true);
      expect(list.run).toContain("jq -c .stacks");
      const matrixJobs = Object.entries(w.jobs).filter(([, j]) => j.strategy);
      expect(matrixJobs).toHaveLength(1);
      for (const [, job] of matrixJobs) {
        expect(job.needs).toBe("stacks");
        expect(job.if).toBe("needs.stacks.outputs.stacks != '[]'");
        expect(job.strategy).toEqual({
          "fail-fast": false,
          "max-parallel": 10,
          matrix: { stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" },
        });
        expect(job.environment).toBe("${{ matrix.stack }}");
      }
    },
  );

  it("preview previews each stack whose config changed and comments on the pull request", () => {
    const job = workflows["preview.yml"].jobs.preview;
    const pulumi = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(pulumi.with).toMatchObject({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
    });
    expect(job.permissions?.["pull-requests"]).toBe("write");
    expect(workflows["preview.yml"].jobs.stacks.steps.find((s) => s.id === "list")!.run).toContain(
      "--changed-files",
    );
  });

  it("up runs pulumi up, then verify --wait, one update per stack at a time", () => {
    const job = workflows["up.yml"].jobs.up;
    const pulumi = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(pulumi.with).toMatchObject({ command: "up", "stack-name": "${{ matrix.stack }}" });
    expect(npmCalls(job.steps.at(-1)!.run!)).toEqual([
      { script: "verify", args: ["--stack", "$STACK", "--wait", "30m"] },
    ]);
  });

  it("daily runs up --refresh, verify --wait, check-expiry, exchange plan, each even after a failure, then fails loudly in the summary", () => {
    const steps = workflows["daily.yml"].jobs.daily.steps;
    const [up, verify, expiry, drift, summary] = steps.slice(-5);
    expect(up.with).toMatchObject({ command: "up", refresh: true });
    expect([up, verify, expiry, drift].map((s) => s["continue-on-error"])).toEqual([true, true, true, true]);
    expect(npmCalls(verify.run!)[0]).toMatchObject({
      script: "verify",
      args: expect.arrayContaining(["--wait"]),
    });
    expect(npmCalls(expiry.run!)[0].script).toBe("check-expiry");
    expect(npmCalls(drift.run!)[0]).toEqual({ script: "exchange", args: ["plan", "--stack", "$STACK"] });
    expect(summary.if).toBe("always()");
    expect(summary.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(summary.run).toMatch(/::error .*\n\s*exit 1/);
    for (const id of ["up", "verify", "expiry", "drift"])
      expect(Object.values(summary.env ?? {})).toContain(`\${{ steps.${id}.outcome }}`);
  });
});

describe("the commands the workflows call", () => {
  const calls = allSteps.flatMap(({ where, step }) =>
    step.run ? npmCalls(step.run).map((c) => ({ where, ...c })) : [],
  );

  it("are there to check", () => {
    expect(new Set(calls.map((c) => c.script))).toEqual(
      new Set(["stacks", "verify", "check-expiry", "exchange"]),
    );
  });

  it.each(calls.map((c) => [`${c.where}: npm run ${c.script} -- ${c.args.join(" ")}`, c] as const))(
    "%s: the script exists and its tool accepts those options",
    (_, c) => {
      expect(pkg.scripts[c.script]).toMatch(/^tsx /);
      expect(() => parseCommandLine(SPECS[c.script], c.args)).not.toThrow();
    },
  );
});

describe("versions", () => {
  const uses = allSteps
    .filter(({ step }) => step.uses)
    .map(({ where, step }) => ({ where, uses: step.uses! }));
  const rawLines = [...files.map(text), setupText].join("\n").split("\n");

  it("pin every action by full commit SHA, with its release in a comment", () => {
    for (const u of uses) {
      if (u.uses.startsWith("./")) continue;
      expect(u.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      const line = rawLines.find((l) => l.includes(u.uses))!;
      expect(line).toMatch(/ # v\d+\.\d+\.\d+$/);
    }
  });

  it("use the same commit for an action everywhere", () => {
    const byAction = new Map<string, Set<string>>();
    for (const u of uses.filter((x) => !x.uses.startsWith("./"))) {
      const [name, sha] = u.uses.split("@");
      byAction.set(name, (byAction.get(name) ?? new Set()).add(sha));
    }
    for (const shas of byAction.values()) expect(shas.size).toBe(1);
  });

  it("install the Pulumi CLI at @pulumi/pulumi's version, everywhere it is named", () => {
    const versions = allSteps
      .filter(({ step }) => step.uses?.startsWith("pulumi/actions@"))
      .map(({ step }) => step.with?.["pulumi-version"]);
    expect(versions.length).toBeGreaterThan(3);
    expect(new Set(versions)).toEqual(new Set([pkg.dependencies["@pulumi/pulumi"]]));
  });

  it("install Node.js 22, PowerShell 7.6.9 and ExchangeOnlineManagement at exact versions", () => {
    const node = setup.runs.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!;
    expect(String(node.with?.["node-version"])).toMatch(/^22\.\d+\.\d+$/);
    expect(setupText).toContain("dotnet tool update --global PowerShell --version 7.6.9");
    expect(setupText).toMatch(/Install-PSResource -Name ExchangeOnlineManagement -Version \d+\.\d+\.\d+ /);
  });

  it("run on a fixed runner image", () => {
    for (const w of Object.values(workflows))
      for (const job of Object.values(w.jobs))
        expect((job as { "runs-on"?: string })["runs-on"]).toBe("ubuntu-24.04");
  });
});
