// Reading the stack config from Pulumi: this is the only reader of `exo-oauth:*` config.
import * as pulumi from "@pulumi/pulumi";
import { configValue } from "./cli-json";
import { formatConfigIssues } from "./issues";
import { parseStackConfig } from "./parse";
import { CONFIG_NAMESPACE, type ConfigIssue, type RawStackConfig, type StackConfig } from "./types";

/** A RunError, so `pulumi up` prints the list without a stack trace. */
export class StackConfigError extends pulumi.RunError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(issues));
    this.name = "StackConfigError";
    this.issues = issues;
  }
}

/** The stack's `exo-oauth:*` config as Pulumi hands it to the program. */
export function readStackConfig(): RawStackConfig {
  // runtime.isConfigSecret is exported by @pulumi/pulumi (runtime/config.js) but marked @internal,
  // so it is missing from the typings; it reads PULUMI_CONFIG_SECRET_KEYS, which the CLI sets.
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
    .isConfigSecret;
  // Not the user's mistake but an SDK that changed under us: a plain Error, with its stack.
  if (typeof isConfigSecret !== "function")
    throw new Error(
      "@pulumi/pulumi no longer exports runtime.isConfigSecret: cannot tell which config keys are secrets",
    );
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    values[name] = configValue(text);
    if (isConfigSecret(key) || isConfigSecret(`${CONFIG_NAMESPACE}:config:${name}`)) secretKeys.add(name);
  }
  return { stack: pulumi.getStack(), values, secretKeys };
}

/** Read and validate the stack config; throws StackConfigError listing every problem. */
export function loadStackConfig(): StackConfig {
  const result = parseStackConfig(readStackConfig());
  if (!result.ok) throw new StackConfigError(result.issues);
  return result.config;
}
