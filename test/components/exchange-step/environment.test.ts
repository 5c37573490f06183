// The ONE table of the Command's environment variables: every name deployed stacks hold, which
// are secret, and the docs' table generated from it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DRIVER_ENV,
  SECRET_DRIVER_ENV,
  environmentTable,
} from "../../../components/exchange-step/environment";
import { SHIM_SECRET_ENV } from "../../../components/exchange-step/shim";

/** The names the shipped code (contract v1) used: stored in every deployed stack's Command. */
const V1_NAMES = [
  "EXO_OAUTH_APP_ID",
  "EXO_OAUTH_SP_OBJECT_ID",
  "EXO_OAUTH_DISPLAY_NAME",
  "EXO_OAUTH_ORGANIZATION",
  "EXO_OAUTH_MAILBOXES",
  "EXO_OAUTH_CONNECTION",
  "EXO_OAUTH_CONNECT_APP_ID",
  "EXO_OAUTH_CERTIFICATE",
  "EXO_OAUTH_CERTIFICATE_PASSWORD",
  "EXO_OAUTH_MANAGED_IDENTITY_ACCOUNT_ID",
  "EXO_OAUTH_ACCESS_TOKEN_ENV",
  "EXO_OAUTH_PWSH",
  "EXO_OAUTH_RETRY_DEADLINE_SECONDS",
  "PULUMI_COMMAND_STDOUT",
];

/** The docs' table, rendered from the code's. */
function markdownTable(): string {
  const rows = environmentTable().map(
    (v) =>
      `| \`${v.name}\` | ${v.meaning} | ${v.secret ? "**yes**" : "no"} | ${v.default ?? "required"} | ${v.source} | ${v.modes?.join(", ") ?? "all"} |`,
  );
  return [
    "| variable | meaning | secret | default | from | modes |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

describe("the environment table", () => {
  it("keeps every variable name of the shipped contract, exactly, and adds none", () => {
    expect(environmentTable().map((v) => v.name)).toEqual(V1_NAMES);
    expect(Object.values(DRIVER_ENV)).toEqual(V1_NAMES);
  });

  it("marks exactly the certificate and its password secret, the two the shim also reads", () => {
    expect(SECRET_DRIVER_ENV).toEqual(["EXO_OAUTH_CERTIFICATE", "EXO_OAUTH_CERTIFICATE_PASSWORD"]);
    expect([SHIM_SECRET_ENV.certificate, SHIM_SECRET_ENV.certificatePassword]).toEqual(SECRET_DRIVER_ENV);
  });

  it("gives every variable a meaning and a source", () => {
    for (const v of environmentTable()) {
      expect(v.meaning.length, v.name).toBeGreaterThan(10);
      expect(v.source.length, v.name).toBeGreaterThan(5);
    }
  });

  it("is the table docs/exchange-step.md shows", () => {
    const doc = readFileSync(resolve(__dirname, "../../../docs/exchange-step.md"), "utf8");
    expect(doc).toContain(markdownTable());
  });
});
