// The stack config as the pulumi CLI prints it (`pulumi config --stack <s> --json --show-secrets`),
// read into the same RawStackConfig the program reads (loader.ts), so a tool that runs outside
// `pulumi up` (the Exchange driver's --stack) validates it with the same parser and gets the same
// StackConfig. The CLI's shape: { "<namespace>:<key>": { value?: string, objectValue?: unknown,
// secret: boolean } } — `value` is JSON text for objects and lists, as the program receives it;
// without --show-secrets a secret's value is left out (pulumi/pulumi pkg/cmd/pulumi/config.go,
// `configValueJSON`).
import { CONFIG_NAMESPACE, type RawStackConfig } from "./types";

/** Objects and arrays reach the program as JSON text; scalars as plain strings. */
export function configValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      const v: unknown = JSON.parse(t);
      if (v !== null && typeof v === "object") return v;
    } catch {
      // not JSON: validation reports it as the string it is
    }
  }
  return text;
}

/** One key as `pulumi config --json` prints it. */
export interface CliConfigValue {
  value?: string;
  objectValue?: unknown;
  secret: boolean;
}

/**
 * The `exo-oauth:*` keys of `pulumi config --json --show-secrets`. Throws an Error naming the key
 * when the text is not that shape, or a secret is missing its value (--show-secrets not given).
 */
export function rawConfigFromCliJson(stack: string, json: unknown): RawStackConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new Error("pulumi config --json did not print a JSON object");
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, entry] of Object.entries(json as Record<string, unknown>)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const e = entry as Partial<CliConfigValue> | null;
    if (typeof e !== "object" || e === null)
      throw new Error(`pulumi config --json: ${key} is not { value, secret }`);
    if (e.secret === true) secretKeys.add(name);
    if (typeof e.value !== "string")
      throw new Error(
        e.secret === true
          ? `pulumi config --json: the secret ${key} has no value (run it with --show-secrets)`
          : `pulumi config --json: ${key} has no value`,
      );
    values[name] = configValue(e.value);
  }
  return { stack, values, secretKeys };
}
