// Which PowerShell the driver runs (docs/security.md, "Planted binaries"). `npx` and `npm run` put
// the `node_modules/.bin` of EVERY parent folder on PATH, so with the checkout under a shared
// folder, a `pwsh` another user planted in a parent's node_modules/.bin would be found first and
// get the certificate and its password. So:
//   - a bare name (the default `pwsh`) is looked up on PATH WITHOUT relative entries and without
//     any `node_modules/.bin` outside this project; the result is an absolute path;
//   - a path (exo-oauth:exchange.pwsh / EXO_OAUTH_PWSH) must be an executable file, absolute or
//     relative to this checkout (resolved against it, never the working directory; never outside it).
// Either way the driver says which one it runs (cli.ts logs it on stderr). Pure apart from
// stat/access on the candidates.
import { accessSync, constants, statSync } from "node:fs";
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { settingKnob } from "../../components/exchange-step/environment";
import { count } from "../cli/words";
import { ExchangeSessionError } from "./errors";

/** This checkout: the project whose node_modules/.bin may stay on PATH. */
export const PROJECT_ROOT = resolve(__dirname, "..", "..");

/** A PATH entry the driver never searches, and why. */
export interface SkippedPathEntry {
  entry: string;
  reason: "relative" | "node_modules/.bin outside the project";
}

/**
 * PATH without the entries a planted binary could hide in: relative ones ("", ".", "bin": they
 * resolve against whatever the working directory is) and `node_modules/.bin` folders other than
 * `<projectRoot>/node_modules/.bin`. Order is kept.
 */
export function trustedPath(
  path: string | undefined,
  projectRoot = PROJECT_ROOT,
): { entries: string[]; skipped: SkippedPathEntry[] } {
  const own = resolve(projectRoot, "node_modules", ".bin");
  const entries: string[] = [];
  const skipped: SkippedPathEntry[] = [];
  for (const entry of (path ?? "").split(delimiter)) {
    if (!isAbsolute(entry)) {
      if (entry !== "") skipped.push({ entry, reason: "relative" });
      continue;
    }
    const dir = resolve(entry);
    if (basename(dir) === ".bin" && basename(dirname(dir)) === "node_modules" && dir !== own) {
      skipped.push({ entry, reason: "node_modules/.bin outside the project" });
      continue;
    }
    if (!entries.includes(dir)) entries.push(dir);
  }
  return { entries, skipped };
}

/** Where pwsh was found, and the PATH entries left out of the search that held one. */
export interface ResolvedPwsh {
  /** Absolute path of the executable the driver runs. */
  path: string;
  /** How it was chosen: the setting as a path, or a PATH search for a bare name. */
  from: "setting" | "PATH";
  /** Skipped PATH entries that DID hold an executable of that name (said in the log). */
  shadowed: string[];
}

const isWindows = process.platform === "win32";

function executableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (!isWindows) accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidates(dir: string, name: string): string[] {
  return isWindows && !/\.[a-z0-9]+$/i.test(name)
    ? [join(dir, `${name}.exe`), join(dir, name)]
    : [join(dir, name)];
}

/**
 * The absolute path of the PowerShell to run for the setting `pwsh` (a bare name or an absolute
 * path). Throws ExchangeSessionError naming the setting and what to do when the path is relative,
 * missing or not executable, or when no trusted PATH entry holds the name.
 */
export function resolvePwsh(pwsh: string, env: NodeJS.ProcessEnv, projectRoot = PROJECT_ROOT): ResolvedPwsh {
  const knob = settingKnob("pwsh");
  const isName = !/[\\/]/.test(pwsh);
  if (!isName) {
    // A relative path is the project's own (Pulumi.demo.yaml's fake-pwsh): resolved against this
    // checkout, never the working directory, and never outside it.
    const path = isAbsolute(pwsh) ? pwsh : resolve(projectRoot, pwsh);
    if (!isAbsolute(pwsh) && !path.startsWith(projectRoot + sep))
      throw new ExchangeSessionError(
        `Starting PowerShell: ${knob} is the relative path '${pwsh}', which leads outside this checkout; give an absolute path ` +
          `(e.g. /opt/microsoft/powershell/7/pwsh) or the bare name pwsh to search PATH`,
      );
    if (!executableFile(path)) {
      let exists = true;
      try {
        statSync(path);
      } catch {
        exists = false;
      }
      throw new ExchangeSessionError(
        exists
          ? `PowerShell at '${path}' is not executable (EACCES): fix its permissions or set ${knob}`
          : `PowerShell 7.4+ (pwsh) not found at '${path}': install it or set ${knob}`,
      );
    }
    return { path, from: "setting", shadowed: [] };
  }
  const { entries, skipped } = trustedPath(env.PATH ?? env.Path, projectRoot);
  const shadowed = skipped
    .filter((s) => isAbsolute(s.entry))
    .flatMap((s) => candidates(s.entry, pwsh).filter(executableFile));
  for (const dir of entries)
    for (const file of candidates(dir, pwsh))
      if (executableFile(file)) return { path: file, from: "PATH", shadowed };
  throw new ExchangeSessionError(
    `PowerShell 7.4+ (${pwsh}) not found on PATH (searched ${count(entries.length, "folder")}` +
      (shadowed.length
        ? `; NOT run, because a node_modules/.bin outside this project is never trusted: ${shadowed.join(", ")}`
        : "") +
      `): install it or set ${knob} to its absolute path`,
  );
}
