// The runbook read by PowerShell's own parser (System.Management.Automation.Language.Parser in
// the real pwsh), which knows the typographic quotes tree-sitter's grammar does not: every
// hostile text quoted by psQuote is one literal whose value is the text (NUL included), and
// runbooks rendered with hostile but allowed values run exactly the expected cmdlets.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { psQuote, renderRunbook } from "../../components/exchange-step/runbook";
import { HOSTILE_ADDRESSES, HOSTILE_TEXT, displayNameAccepted } from "../hostile-input/values";
import { realTierSkip } from "../support/pwsh-tier";
import { expectedCommands, type RunbookInputs } from "../support/runbook-inspect";
import { lastJson, runPwsh } from "./run-pwsh";

const skip = realTierSkip();
const TIMEOUT = 180_000;

/** What PowerShell's parser makes of one script. */
interface Parsed {
  errors: string[];
  commands: string[];
  /** The single-quoted literals' values, as UTF-16LE base64 (no encoding on the way back can change them). */
  literals: string[];
}

const PARSE_ALL = `
$ErrorActionPreference = 'Stop'
$scripts = Get-Content -Raw -Encoding utf8 -LiteralPath $env:EXO_TEST_SCRIPTS | ConvertFrom-Json
$out = foreach ($text in $scripts) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
  $commands = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) |
    ForEach-Object { $_.GetCommandName() })
  $literals = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
      $args[0].StringConstantType -eq 'SingleQuoted' }, $true) |
    ForEach-Object { [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($_.Value)) })
  [pscustomobject]@{ errors = @($errors | ForEach-Object { $_.Message }); commands = $commands; literals = $literals }
}
ConvertTo-Json -InputObject @($out) -Depth 4 -Compress`;

const utf16 = (s: string) => Buffer.from(s, "utf16le").toString("base64");

const BASE: RunbookInputs = {
  appId: "11111111-1111-4111-8111-111111111111",
  servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
  displayName: "Mail OAuth",
  organization: "contoso.onmicrosoft.com",
  mailboxes: [{ address: "helpdesk@contoso.com", sendAs: true }],
};
/** Runbooks rendered with every hostile value the rules let through, in every slot that takes one. */
const RUNBOOKS: RunbookInputs[] = [
  ...HOSTILE_TEXT.filter(displayNameAccepted).map((h) => ({ ...BASE, displayName: h.value })),
  ...HOSTILE_ADDRESSES.filter((a) => a.accepted).flatMap((a) => [
    { ...BASE, mailboxes: [{ address: a.value, sendAs: true }] },
    { ...BASE, revoke: [{ address: a.value, fullAccess: true, sendAs: true }] },
  ]),
];

describe.skipIf(skip !== undefined)(
  `the runbook in PowerShell's own parser${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let quoted: Parsed[] = [];
    let runbooks: Parsed[] = [];
    let dir = "";

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "exo-runbook-parse-"));
      const file = join(dir, "scripts.json");
      const scripts = [
        ...HOSTILE_TEXT.map((h) => `$value = ${psQuote(h.value)}`),
        ...RUNBOOKS.map((i) => renderRunbook(i, { organization: i.organization, revoke: i.revoke })),
      ];
      writeFileSync(file, JSON.stringify(scripts), "utf8");
      const parsed = lastJson<Parsed[]>(await runPwsh(PARSE_ALL, { EXO_TEST_SCRIPTS: file }));
      quoted = parsed.slice(0, HOSTILE_TEXT.length);
      runbooks = parsed.slice(HOSTILE_TEXT.length);
    }, TIMEOUT);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(HOSTILE_TEXT.map((h, i) => [h.label, i] as const))(
      "psQuote keeps %s one literal whose value is the text, and runs nothing",
      (_label, i) => {
        expect(quoted[i].errors).toEqual([]);
        expect(quoted[i].commands).toEqual([]);
        expect(quoted[i].literals).toEqual([utf16(HOSTILE_TEXT[i].value)]);
      },
    );

    it(
      "the previous doubling of ’ into '' reads back as another mailbox (the parser check can fail)",
      async () => {
        const run = await runPwsh(
          `[System.Management.Automation.Language.Parser]::ParseInput("'o''brien@contoso.com'", [ref]$null, [ref]$null).EndBlock.Statements[0].PipelineElements[0].Expression.Value`,
        );
        expect(run.stdout.trim()).toBe("o'brien@contoso.com");
      },
      TIMEOUT,
    );

    const label = (r: RunbookInputs) =>
      `${r.displayName.slice(0, 40)} / ${[...r.mailboxes, ...(r.revoke ?? [])].map((m) => m.address.slice(0, 40)).join(", ")}`;
    it.each(RUNBOOKS.map((r, i) => [label(r), i] as const))(
      "a runbook for %s runs exactly the expected cmdlets",
      (_label, i) => {
        expect(runbooks[i].errors).toEqual([]);
        expect(runbooks[i].commands).toEqual(expectedCommands(RUNBOOKS[i]));
      },
    );
  },
);
