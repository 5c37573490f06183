import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseStackConfig } from "../../../components/config";
import { APP_ID, CERTIFICATE, MINIMAL, PASSWORD, TOKEN } from "./corpus";

// Secret values put everywhere a user could put them by mistake, in secret and in plain keys.
const SECRETS = [CERTIFICATE, PASSWORD, TOKEN, "1234567890"];
const cert = {
  connection: "certificate",
  appId: APP_ID,
  certificate: CERTIFICATE,
  certificatePassword: PASSWORD,
};

const CASES: Array<{ name: string; values: Record<string, unknown>; secretKeys: string[] }> = [
  { name: "certificate and password in plain text", values: { ...MINIMAL, exchange: cert }, secretKeys: [] },
  {
    name: "password as a number in plain text",
    values: { ...MINIMAL, exchange: { ...cert, certificatePassword: 1234567890 } },
    secretKeys: [],
  },
  {
    name: "password in the appId field of a secret key",
    values: { ...MINIMAL, exchange: { ...cert, appId: PASSWORD } },
    secretKeys: ["exchange"],
  },
  {
    name: "certificate in the pwsh field of a secret key",
    values: { ...MINIMAL, exchange: { ...cert, pwsh: CERTIFICATE, retryDeadlineSeconds: PASSWORD } },
    secretKeys: ["exchange"],
  },
  {
    name: "certificate under a managedIdentity connection",
    values: {
      ...MINIMAL,
      exchange: { connection: "managedIdentity", certificate: CERTIFICATE, certificatePassword: PASSWORD },
    },
    secretKeys: [],
  },
  {
    name: "certificate and password of the wrong types",
    values: {
      ...MINIMAL,
      exchange: { ...cert, certificate: [CERTIFICATE], certificatePassword: { p: PASSWORD } },
    },
    secretKeys: ["exchange"],
  },
  {
    name: "certificate that is not valid base64",
    values: { ...MINIMAL, exchange: { ...cert, certificate: `${CERTIFICATE}!` } },
    secretKeys: [],
  },
  {
    name: "a token where the variable name belongs",
    values: { ...MINIMAL, exchange: { connection: "accessToken", accessTokenEnv: TOKEN } },
    secretKeys: [],
  },
  {
    name: "a token as an unknown key's value and as a mailbox",
    values: {
      ...MINIMAL,
      mailboxes: [TOKEN],
      exchange: { connection: "accessToken", accessTokenEnv: TOKEN, token: TOKEN },
    },
    secretKeys: [],
  },
  {
    name: "a password in a secret top-level key of the wrong kind",
    values: { ...MINIMAL, tenantId: PASSWORD },
    secretKeys: ["tenantId"],
  },
];

describe("error messages never contain a secret value", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = parseStackConfig({ stack: "dev", values: c.values, secretKeys: new Set(c.secretKeys) });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : formatConfigIssues(result.issues);
    expect(text).toContain("exo-oauth:"); // there is something to scan
    for (const secret of SECRETS) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 12));
    }
  });
});
