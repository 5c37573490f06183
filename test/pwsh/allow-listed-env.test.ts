// Real PowerShell starts and runs with the allow-listed environment the driver gives it
// (scripts/exchange-driver/pwsh-env.ts), and sees none of the pipeline's other credentials
// (issue #14, "pwsh gets the whole environment").
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { childEnvironment } from "../../scripts/exchange-driver/pwsh-env";
import { resolvePwsh } from "../../scripts/exchange-driver/pwsh-path";
import { realPwsh, realTierSkip } from "../support/pwsh-tier";

const skip = realTierSkip();
const PIPELINE = {
  ARM_CLIENT_SECRET: "arm-client-secret-value",
  PULUMI_ACCESS_TOKEN: "pul-0123456789abcdef",
  PULUMI_CONFIG_PASSPHRASE: "stack passphrase value",
};

describe.skipIf(skip !== undefined)(
  `real pwsh with the allow-listed environment${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    it("starts, runs a command, and sees the run's secrets but none of the pipeline's credentials", () => {
      const path = realPwsh().path!;
      const base = {
        ...process.env,
        ...PIPELINE,
        PATH: `${path.replace(/\/[^/]+$/, "")}:${process.env.PATH}`,
      };
      const { env } = childEnvironment(
        {
          connection: "certificate",
          automationAppId: "55555555-5555-4555-8555-555555555555",
          certificate: "MIIcertificate",
          certificatePassword: "pfx-pw-5Gq2Vw-k9",
          organization: "contoso.onmicrosoft.com",
          pwsh: "pwsh",
          retryDeadlineSeconds: 60,
        },
        base,
      );
      const pwsh = resolvePwsh("pwsh", base).path;
      const r = spawnSync(
        pwsh,
        [
          "-NoLogo",
          "-NoProfile",
          "-NonInteractive",
          "-Command",
          "[Environment]::GetEnvironmentVariables().Keys | Sort-Object",
        ],
        { env, encoding: "utf8", timeout: 120_000 },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const names = r.stdout.split(/\r?\n/).filter(Boolean);
      expect(names).toContain("EXO_OAUTH_CERTIFICATE");
      expect(names).toContain("EXO_OAUTH_CERTIFICATE_PASSWORD");
      for (const name of Object.keys(PIPELINE)) expect(names).not.toContain(name);
    }, 180_000);
  },
);
