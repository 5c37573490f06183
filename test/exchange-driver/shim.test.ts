// Static checks of the shim: it parses (tree-sitter-powershell) and its text holds to the
// contract it shares with session.ts and the simulator. Its behaviour is tested by running it in
// real pwsh against the stand-in module: test/pwsh/ (npm run test:pwsh).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALLOWED_CMDLETS, SHIM_SECRET_ENV } from "../../components/exchange-step/shim";
import { CMDLETS } from "../../scripts/offline-tenant/exchange/params";
import { parsePowerShell, syntaxErrors } from "../support/powershell-syntax";
import { SHIM } from "../support/simulator";

const shim = readFileSync(SHIM, "utf8");
async function parse(text: string): Promise<{ hasError: boolean; errors: string[] }> {
  const root = await parsePowerShell(text);
  return { hasError: root.hasError, errors: syntaxErrors(root) };
}

/** The quoted strings of `$Name = @( … )` in the shim. */
function arrayLiteral(name: string): string[] {
  const m = new RegExp(`\\$${name}\\s*=\\s*@\\(([\\s\\S]*?)\\)`).exec(shim);
  if (!m) throw new Error(`$${name} = @(…) not found in shim.ps1`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

describe("shim.ps1", () => {
  it("parses cleanly with tree-sitter-powershell", async () => {
    expect(await parse(shim)).toEqual({ hasError: false, errors: [] });
  });

  it.each([
    ["a missing closing brace", (s: string) => s.replace(/\}\s*$/, "")],
    ["an unterminated string", (s: string) => s.replace("'SilentlyContinue'", "'SilentlyContinue")],
    ["a broken hashtable", (s: string) => s.replace("$connect = @{", "$connect = @{{")],
  ])("does not parse with %s (so the check can fail)", async (_what, breakIt) => {
    const broken = breakIt(shim);
    expect(broken).not.toBe(shim);
    expect((await parse(broken)).hasError).toBe(true);
  });

  it("allows exactly the cmdlets the contract allows and the simulator implements", () => {
    expect(arrayLiteral("Allowed")).toEqual([...ALLOWED_CMDLETS]);
    expect(Object.keys(CMDLETS).sort()).toEqual([...ALLOWED_CMDLETS].sort());
  });

  it("reads its secrets from exactly the contract's SHIM_SECRET_ENV variables and then removes them", () => {
    expect(arrayLiteral("SecretNames")).toEqual(Object.values(SHIM_SECRET_ENV));
    const m = /foreach \(\$name in \$SecretNames\)\s*\{([^}]+)\}/.exec(shim);
    expect(m?.[1]).toContain("[Environment]::SetEnvironmentVariable($name, $null)");
  });

  it("connects without a banner or format data, importing only the allow-listed REST cmdlets", () => {
    expect(shim).toContain("ShowBanner            = $false");
    expect(shim).toContain("SkipLoadingFormatData = $true");
    expect(shim).toContain("CommandName           = @($Allowed | Where-Object { $_ -notlike 'Get-EXO*' })");
  });

  it("runs each cmdlet with -ErrorAction Stop, capturing its warnings and errors, its other streams dropped", () => {
    expect(shim).toMatch(
      /& \$cmdlet @params -ErrorAction Stop -ErrorVariable cmdletErrors -WarningAction SilentlyContinue -WarningVariable cmdletWarnings 2>\$null 3>\$null 6>\$null/,
    );
    expect(shim).toContain("if (@($cmdletErrors).Count) { throw @($cmdletErrors)[0] }");
    expect(shim).toContain("Disconnect-ExchangeOnline -Confirm:$false");
  });

  it("raises the same error ids the simulator answers with", () => {
    for (const id of ["CmdletNotAllowed", "ExchangeModuleMissing", "ConnectionUnknown"])
      expect(shim).toContain(`'${id}'`);
    expect(shim).toContain("is not allowed by the exo-oauth shim; allowed:");
    expect(shim).toContain("or later is not installed for this pwsh (PowerShell $Pwsh)");
  });

  it("writes the protocol only through its own UTF-8 writer, ASCII-escaped, with Console.Out sent to stderr", () => {
    const writers = shim
      .split("\n")
      .filter((l) => !l.trim().startsWith("#"))
      .filter((l) => /Write-Output|Write-Host|\[Console\]::Out\.Write|\$protocol\.Write/.test(l));
    expect(writers.map((l) => l.trim().slice(0, 33))).toEqual([
      "$protocol.WriteLine((ConvertTo-Pr",
      "$protocol.WriteLine((ConvertTo-Pr",
    ]);
    expect(shim).toContain("[Console]::SetOut([Console]::Error)");
    expect(shim).toContain("-EscapeHandling EscapeNonAscii");
  });
});
