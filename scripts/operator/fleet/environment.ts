// Each stack's environment: this process's, plus the stack's own variables from
// `<env-dir>/<stack>.env` when --env-dir is given (dotenv lines, read with node's util.parseEnv), so
// each tenant's ARM_* credentials reach only that tenant's pulumi process. Pulumi ESC is the other
// way: an `environment:` import in Pulumi.<stack>.yaml gives the stack its values with no file here.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

export function stackEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  envDir: string | undefined,
  stack: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (envDir === undefined) return env;
  const file = join(envDir, `${stack}.env`);
  if (!existsSync(file)) return env;
  return { ...env, ...(parseEnv(readFileSync(file, "utf8")) as Record<string, string>) };
}
