// Which stacks a project folder holds: one per `Pulumi.<stack>.yaml` beside Pulumi.yaml (Pulumi's
// per-stack settings file: https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/),
// except the two that are never deployed — `Pulumi.example.yaml` (placeholders config refuses) and
// `Pulumi.demo.yaml` (the offline demo's). Pure: file names in, stack names out, sorted.
//
// With the paths a change touched (`git diff --name-only base...head`), only the stacks that change
// affects: a stack whose own settings file changed, or every stack when a file the program is built
// from changed (PROGRAM_PATHS).

/** Stack files that are never deployed (README, "Deploy"; docs/offline-tenant.md, the demo). */
export const NOT_DEPLOYED = ["example", "demo"] as const;

/** Pulumi's stack-name characters (`pulumi stack init`: letters, digits, `-`, `_`, `.`). */
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/**
 * Paths whose change affects every stack's preview: the project file, the program, the Exchange step
 * it runs and the dependencies. A path ending in `/` is a folder.
 */
export const PROGRAM_PATHS = [
  "Pulumi.yaml",
  "index.ts",
  "components/",
  "scripts/exchange/",
  "scripts/exchange-driver/",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
] as const;

/** The stack a file name is the settings of, or undefined (Pulumi.yaml, another file, a never-deployed one). */
export function stackOfFile(name: string): string | undefined {
  const m = STACK_FILE.exec(name);
  if (!m || (NOT_DEPLOYED as readonly string[]).includes(m[1])) return undefined;
  return m[1];
}

/** The deployable stacks among a folder's file names, sorted (code-point order: stable across locales). */
export function deployableStacks(fileNames: readonly string[]): string[] {
  return fileNames
    .map(stackOfFile)
    .filter((s): s is string => s !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether a changed path (relative to the project folder, `/`-separated) is one the program is built from. */
export function isProgramPath(path: string): boolean {
  return PROGRAM_PATHS.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
}

/** Of `stacks`, those a change to `changedPaths` affects (see the file's head). */
export function affectedStacks(stacks: readonly string[], changedPaths: readonly string[]): string[] {
  const paths = changedPaths.map((p) => p.trim().replace(/^\.\//, "")).filter((p) => p !== "");
  if (paths.some(isProgramPath)) return [...stacks];
  const changed = new Set(paths.map(stackOfFile).filter((s) => s !== undefined));
  return stacks.filter((s) => changed.has(s));
}
