// The stack config (namespace `exo-oauth`): types.ts (shapes), schema.ts (each field), rules.ts
// (rules across fields), messages.ts + issues.ts (wording and rendering), parse.ts (validate and
// normalise), loader.ts (read from Pulumi). Keys, defaults and bounds: docs/configuration.md.
export { CONFIG_NAMESPACE } from "./types";
export type {
  ConfigIssue,
  ExchangeConfig,
  MailboxConfig,
  ParseResult,
  RawStackConfig,
  StackConfig,
} from "./types";
export { formatPath, SECRET_VALUE_NOT_SHOWN } from "./messages";
export { addressSchema, DISPLAY_NAME_MAX, protocolSchema, stackConfigSchema } from "./schema";
export { formatConfigIssues } from "./issues";
export { parseStackConfig } from "./parse";
export { loadStackConfig, readStackConfig, StackConfigError } from "./loader";
export { rawConfigFromCliJson, type CliConfigValue } from "./cli-json";
