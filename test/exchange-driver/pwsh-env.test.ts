// What PowerShell sees (scripts/exchange-driver/pwsh-env.ts): an allow-listed environment plus this
// run's secrets, never the pipeline's other credentials (issue #14, "pwsh gets the whole environment").
import { delimiter } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExchangeConnectionSettings } from "../../components/exchange-step/settings";
import { ExchangeSessionError } from "../../scripts/exchange-driver/errors";
import { childEnvironment } from "../../scripts/exchange-driver/pwsh-env";
import { PROJECT_ROOT } from "../../scripts/exchange-driver/pwsh-path";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl";
const PIPELINE = {
  PATH: ["/usr/bin", "/shared/node_modules/.bin", `${PROJECT_ROOT}/node_modules/.bin`, "."].join(delimiter),
  HOME: "/home/ci",
  TMPDIR: "/tmp",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TERM: "xterm",
  PSModulePath: "/opt/modules",
  DOTNET_ROOT: "/opt/dotnet",
  EXO_SIM_STATE: "/tmp/tenant.json",
  ARM_CLIENT_SECRET: "arm-secret-value",
  PULUMI_ACCESS_TOKEN: "pul-token-value",
  PULUMI_CONFIG_PASSPHRASE: "passphrase-value",
  AZURE_CLIENT_SECRET: "azure-secret",
  NODE_OPTIONS: "--require /tmp/evil.js",
  EXO_OAUTH_DISPLAY_NAME: "Mail OAuth",
  [`EXO_OAUTH_CERTIFICATE`]: "stale-cert-from-parent",
  MY_EXO_TOKEN: TOKEN,
};
const common = { organization: "contoso.onmicrosoft.com", pwsh: "pwsh", retryDeadlineSeconds: 60 };

describe("the environment PowerShell gets", () => {
  it("holds only the allow-listed variables, the trusted PATH and this run's token", () => {
    const settings: ExchangeConnectionSettings = {
      ...common,
      connection: "accessToken",
      accessTokenEnv: "MY_EXO_TOKEN",
    };
    const { env, secrets } = childEnvironment(settings, PIPELINE);
    expect(env).toEqual({
      PATH: ["/usr/bin", `${PROJECT_ROOT}/node_modules/.bin`].join(delimiter),
      HOME: "/home/ci",
      TMPDIR: "/tmp",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TERM: "xterm",
      PSModulePath: "/opt/modules",
      DOTNET_ROOT: "/opt/dotnet",
      EXO_SIM_STATE: "/tmp/tenant.json",
      EXO_OAUTH_ACCESS_TOKEN: TOKEN,
    });
    expect(secrets).toEqual([TOKEN]);
  });

  it("carries the certificate and its password from the settings, never a stale one from the parent", () => {
    const settings: ExchangeConnectionSettings = {
      ...common,
      connection: "certificate",
      automationAppId: "11111111-1111-4111-8111-111111111111",
      certificate: "MIIcert",
      certificatePassword: "pfx-password",
    };
    const { env } = childEnvironment(settings, PIPELINE);
    expect(env.EXO_OAUTH_CERTIFICATE).toBe("MIIcert");
    expect(env.EXO_OAUTH_CERTIFICATE_PASSWORD).toBe("pfx-password");
    for (const name of [
      "ARM_CLIENT_SECRET",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
      "NODE_OPTIONS",
      "MY_EXO_TOKEN",
    ])
      expect(env[name]).toBeUndefined();
  });

  it.each([
    ["a client secret", "Qx8~tP.4vZr_2mKd9Lw-Yh3NcB7sJeFa"],
    ["a path", "/usr/bin:/bin"],
    ["two segments", "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0"],
    ["a header without alg", "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln"],
  ])("refuses a token variable holding %s, naming the variable and never the value", (_what, value) => {
    const settings: ExchangeConnectionSettings = {
      ...common,
      connection: "accessToken",
      accessTokenEnv: "MY_EXO_TOKEN",
    };
    let err: unknown;
    try {
      childEnvironment(settings, { ...PIPELINE, MY_EXO_TOKEN: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExchangeSessionError);
    const message = (err as Error).message;
    expect(message).toContain(
      `Connecting to Exchange Online: the variable 'MY_EXO_TOKEN' (exchange.accessTokenEnv) does not hold an access token (its ${value.length} characters are not shown): expected a JWT`,
    );
    expect(message).not.toContain(value);
  });
});
