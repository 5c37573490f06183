// shim.ps1's own functions, dot-sourced into real pwsh: what it puts on the protocol for values
// only real PowerShell objects have (dates, doubles under another culture, enums), and a module
// whose error escapes -ErrorAction Stop.
import { describe, expect, it } from "vitest";
import { realTierSkip } from "../support/pwsh-tier";
import { SHIM } from "../support/simulator";
import { lastJson, runPwsh } from "./run-pwsh";

const skip = realTierSkip();
const TIMEOUT = 120_000;

describe.skipIf(skip !== undefined)(
  `shim.ps1's functions in real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    it(
      "flattens objects culture-independently: dates as UTC ISO 8601, numbers with a dot, enums by name, collections as strings",
      async () => {
        const run = await runPwsh(`
        . '${SHIM}'
        [System.Threading.Thread]::CurrentThread.CurrentCulture = 'de-DE'
        $o = [pscustomobject]@{
          WhenCreated = [datetime]::new(2026, 3, 4, 5, 6, 7, [System.DateTimeKind]::Utc)
          Ratio       = 1.5
          Kind        = [System.DayOfWeek]::Friday
          Rights      = @('FullAccess', 'ReadPermission')
          Guid        = [guid]'6dc765c4-2057-a449-58b8-0655b7448832'
          Flag        = $true
          Count       = 3
          Nothing     = $null
        }
        ConvertTo-ProtocolLine @{ id = 1; ok = $true; result = @(ConvertTo-Plain $o); warnings = @() }`);
        const line = lastJson<{ result: Record<string, unknown>[] }>(run);
        expect(line.result[0]).toEqual({
          WhenCreated: "2026-03-04T05:06:07.0000000Z",
          Ratio: "1.5",
          Kind: "Friday",
          Rights: ["FullAccess", "ReadPermission"],
          Guid: "6dc765c4-2057-a449-58b8-0655b7448832",
          Flag: true,
          Count: 3,
          Nothing: null,
        });
      },
      TIMEOUT,
    );

    it(
      "writes the protocol line in ASCII, non-ASCII escaped",
      async () => {
        const run = await runPwsh(`
        . '${SHIM}'
        ConvertTo-ProtocolLine @{ id = 1; ok = $true; result = @(@{ DisplayName = 'Zoë ✓ 日本' }); warnings = @() }`);
        const raw = run.stdout.trim().split(/\r?\n/).at(-1)!;
        expect(raw).toMatch(/^[\x20-\x7e]+$/);
        expect(raw).toMatch(/Zo\\u00eb \\u2713 \\u65e5\\u672c/i);
        expect(JSON.parse(raw).result[0].DisplayName).toBe("Zoë ✓ 日本");
      },
      TIMEOUT,
    );

    it(
      "fails a cmdlet whose error escaped -ErrorAction Stop instead of answering an empty success",
      async () => {
        // A module whose exported function writes its error from ANOTHER module's scope: the
        // caller's -ErrorAction Stop does not reach there, so PowerShell does not stop.
        const run = await runPwsh(`
        . '${SHIM}'
        $global:ErrorActionPreference = 'Continue' # as in pwsh -File: the shim's preferences are its own
        $script:Warnings = @()
        $writer = New-Module -Name ErrorWriter -ScriptBlock { function Write-Refusal { [CmdletBinding()] param() Write-Error 'Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|gone' } }
        New-Module -Name LeakyExchange -ScriptBlock {
          param($w)
          function Get-Mailbox { [CmdletBinding()] param($Identity) & $w }
        } -ArgumentList \${function:Write-Refusal} | Import-Module
        $outcome = try { $r = Invoke-Request @{ cmdlet = 'Get-Mailbox'; params = @{ Identity = 'x' } }; @{ answered = 'success'; result = @($r).Count } }
                   catch { @{ answered = 'error'; message = $_.Exception.Message } }
        $outcome | ConvertTo-Json -Compress`);
        expect(lastJson(run)).toEqual({
          answered: "error",
          message: "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|gone",
        });
      },
      TIMEOUT,
    );
  },
);
