// The environment PowerShell gets: an ALLOW-LIST, never a copy of the driver's (docs/security.md,
// "What pwsh sees"). The driver runs under `pulumi up`, whose environment holds ARM_CLIENT_SECRET,
// PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE and whatever else the pipeline set; pwsh and every
// module it loads would see them all. So pwsh gets only:
//   - what PowerShell and .NET need to start and reach Exchange: PWSH_ENV_NAMES, and names with a
//     PWSH_ENV_PREFIXES prefix (locale LC_*, .NET's DOTNET_*);
//   - the offline tenant's knobs EXO_SIM_* (names of test settings, never secrets; docs/powershell-tier.md,
//     "Knobs"), so the doubles work through the same code path;
//   - this run's secrets, under the contract's names (components/exchange-step/shim.ts SHIM_SECRET_ENV).
// PATH is the trusted PATH (./pwsh-path.ts): no relative entry, no node_modules/.bin outside the project.
import type { ExchangeConnectionSettings } from "../../components/exchange-step/settings";
import { SHIM_SECRET_ENV } from "../../components/exchange-step/shim";
import { ExchangeSessionError } from "./errors";
import { accessTokenProblem } from "./access-token";
import { trustedPath } from "./pwsh-path";
import { delimiter } from "node:path";

/** Variables passed through as they are (case-sensitive on Linux/macOS; Windows' spellings included). */
export const PWSH_ENV_NAMES: readonly string[] = [
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TMPDIR",
  "TMP",
  "TEMP",
  "PSModulePath",
  "LANG",
  "LANGUAGE",
  "TERM",
  "TZ",
  "NO_COLOR",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "POWERSHELL_TELEMETRY_OPTOUT",
  "POWERSHELL_UPDATECHECK",
  // Reaching Exchange from behind a proxy, with the organisation's CA (.NET reads these).
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // Windows.
  "SystemRoot",
  "SystemDrive",
  "windir",
  "ComSpec",
  "PATHEXT",
  "USERPROFILE",
  "USERNAME",
  "APPDATA",
  "LOCALAPPDATA",
  "ProgramData",
  "ProgramFiles",
  "ProgramFiles(x86)",
  "ProgramW6432",
  "CommonProgramFiles",
];

/** Prefixes passed through: locale, .NET's runtime settings, the offline tenant's knobs. */
export const PWSH_ENV_PREFIXES: readonly string[] = ["LC_", "DOTNET_", "EXO_SIM_"];

function allowed(name: string): boolean {
  return PWSH_ENV_NAMES.includes(name) || PWSH_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The pwsh environment: the allow-listed part of `baseEnv`, the trusted PATH, and this run's
 * secrets under SHIM_SECRET_ENV's names. Returns the secrets too (for the redactor). Throws
 * ExchangeSessionError (naming the setting, never the value) for a missing certificate or token,
 * or a token that is not a JWT.
 */
export function childEnvironment(
  s: ExchangeConnectionSettings,
  baseEnv: NodeJS.ProcessEnv,
): { env: NodeJS.ProcessEnv; secrets: string[] } {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(baseEnv))
    if (value !== undefined && allowed(name)) env[name] = value;
  env.PATH = trustedPath(baseEnv.PATH ?? baseEnv.Path).entries.join(delimiter);
  const secrets: string[] = [];
  if (s.connection === "certificate") {
    if (!s.certificate)
      throw new ExchangeSessionError(
        "Connecting to Exchange Online: exchange.certificate is empty; set it with `pulumi config set --secret exo-oauth:exchange.certificate <base64 PFX>`",
      );
    env[SHIM_SECRET_ENV.certificate] = s.certificate;
    secrets.push(s.certificate);
    if (s.certificatePassword) {
      env[SHIM_SECRET_ENV.certificatePassword] = s.certificatePassword;
      secrets.push(s.certificatePassword);
    }
  } else if (s.connection === "accessToken") {
    const token = baseEnv[s.accessTokenEnv];
    if (!token)
      throw new ExchangeSessionError(
        `Connecting to Exchange Online: exchange.accessTokenEnv names '${s.accessTokenEnv}', but that environment variable is not set`,
      );
    const problem = accessTokenProblem(token);
    if (problem)
      throw new ExchangeSessionError(
        `Connecting to Exchange Online: the variable '${s.accessTokenEnv}' (exchange.accessTokenEnv) ${problem}`,
      );
    env[SHIM_SECRET_ENV.accessToken] = token;
    secrets.push(token);
  }
  return { env, secrets };
}
