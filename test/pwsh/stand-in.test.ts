// The stand-in ExchangeOnlineManagement, driven directly from PowerShell: it must behave like the
// real module where the shim depends on it — Connect-ExchangeOnline's documented parameter
// rules, PowerShell's own binding errors, REST cmdlets that exist only after connecting,
// objects (not hashtables), warnings on the warning stream, Exchange's errors as error records.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTier, realTierSkip, type TierSetup } from "../support/pwsh-tier";
import { newTenant, type Tenant } from "../support/simulator";
import { makeCertificate, type TestCertificate } from "./fixtures";
import { lastJson, runPwsh } from "./run-pwsh";

const skip = realTierSkip();
const TIMEOUT = 180_000;
const ORG = "contoso.onmicrosoft.com";

describe.skipIf(skip !== undefined)(
  `the stand-in ExchangeOnlineManagement in real pwsh${skip ? ` (SKIPPED: ${skip})` : ""}`,
  () => {
    let tier: TierSetup;
    let t: Tenant;
    let cert: TestCertificate;
    let pfxPath: string;
    beforeAll(async () => {
      tier = await openTier("real");
      t = newTenant();
      cert = makeCertificate({ password: "file-Pässword-5" });
      pfxPath = join(mkdtempSync(join(tmpdir(), "exo-pfx-")), "automation.pfx");
      writeFileSync(pfxPath, Buffer.from(cert.pfx, "base64"));
    }, TIMEOUT);
    afterAll(async () => tier?.close());

    const env = (extra: Record<string, string> = {}) => ({
      ...tier.env,
      EXO_SIM_STATE: t.statePath,
      EXO_SIM_STATS: t.statsPath,
      ...extra,
    });
    /** Runs `body` after Import-Module; each `Check <label> { … }` records ok or the error's shape. */
    const script = (body: string) => `
      $ErrorActionPreference = 'Stop'
      Import-Module ExchangeOnlineManagement
      $results = [ordered]@{}
      function Check([string] $Label, [scriptblock] $Block) {
        try { $null = & $Block; $results[$Label] = 'ok' }
        catch { $results[$Label] = @{ message = $_.Exception.Message; type = $_.Exception.GetType().FullName; fqid = $_.FullyQualifiedErrorId; category = "$($_.CategoryInfo.Category)" } }
      }
      ${body}
      $results | ConvertTo-Json -Depth 5 -Compress`;

    it(
      "checks Connect-ExchangeOnline's parameter rules as documented, before reaching Exchange",
      async () => {
        const securePw = `(ConvertTo-SecureString '${cert.password}' -AsPlainText -Force)`;
        const run = await runPwsh(
          script(`
          Check 'mi-no-org' { Connect-ExchangeOnline -ManagedIdentity }
          Check 'account-no-mi' { Connect-ExchangeOnline -ManagedIdentityAccountId x -Organization ${ORG} }
          Check 'cert-no-appid' { Connect-ExchangeOnline -CertificateFilePath '${pfxPath}' -CertificatePassword ${securePw} -Organization ${ORG} }
          Check 'cert-no-org' { Connect-ExchangeOnline -AppId a -CertificateFilePath '${pfxPath}' -CertificatePassword ${securePw} }
          Check 'two-certs' { Connect-ExchangeOnline -AppId a -Organization ${ORG} -CertificateFilePath '${pfxPath}' -CertificateThumbprint AB }
          Check 'thumbprint-linux' { Connect-ExchangeOnline -AppId a -Organization ${ORG} -CertificateThumbprint AB }
          Check 'wrong-pfx-password' { Connect-ExchangeOnline -AppId a -Organization ${ORG} -CertificateFilePath '${pfxPath}' -CertificatePassword (ConvertTo-SecureString 'nope' -AsPlainText -Force) }
          Check 'token-no-org' { Connect-ExchangeOnline -AccessToken 'x.y.z' }
          Check 'interactive' { Connect-ExchangeOnline -UserPrincipalName admin@contoso.com }
          Check 'page-size' { Connect-ExchangeOnline -ManagedIdentity -Organization ${ORG} -PageSize 0 }
          Check 'environment' { Connect-ExchangeOnline -ManagedIdentity -Organization ${ORG} -ExchangeEnvironmentName Mars }
          Check 'typo' { Connect-ExchangeOnline -ManagedIdentity -Organisation ${ORG} }
          Check 'cert-file' { Connect-ExchangeOnline -AppId a -Organization ${ORG} -CertificateFilePath '${pfxPath}' -CertificatePassword ${securePw} -ShowBanner:$false -SkipLoadingFormatData }
          Check 'disconnect' { Disconnect-ExchangeOnline -Confirm:$false }
        `),
          env(),
        );
        const r = lastJson<Record<string, "ok" | { message: string; type: string; fqid: string }>>(run);
        expect(r["mi-no-org"]).toMatchObject({
          type: "System.ArgumentNullException",
          message:
            "Value cannot be null. (Parameter 'Organization cannot be null for Managed Identity based connections.')",
        });
        expect(r["account-no-mi"]).toMatchObject({
          type: "System.ArgumentException",
          message: expect.stringContaining("add -ManagedIdentity"),
        });
        expect(r["cert-no-appid"]).toMatchObject({
          message: expect.stringContaining("AppId cannot be null for certificate based connections."),
        });
        expect(r["cert-no-org"]).toMatchObject({
          message: expect.stringContaining("Organization cannot be null for certificate based connections."),
        });
        expect(r["two-certs"]).toMatchObject({
          message: expect.stringMatching(/^Use only one of -CertificateFilePath, -CertificateThumbprint/),
        });
        expect(r["thumbprint-linux"]).toMatchObject({ type: "System.PlatformNotSupportedException" });
        expect(r["wrong-pfx-password"]).toMatchObject({ message: expect.stringMatching(/password/i) });
        expect(r["token-no-org"]).toMatchObject({
          message: expect.stringContaining("Organization cannot be null for AccessToken based connections."),
        });
        expect(r["interactive"]).toMatchObject({ type: "System.NotSupportedException" });
        // PowerShell's own binding errors, from the documented types and ranges.
        expect(r["page-size"]).toMatchObject({
          fqid: "ParameterArgumentValidationError,Connect-ExchangeOnline",
        });
        expect(r["environment"]).toMatchObject({
          fqid: "ParameterArgumentValidationError,Connect-ExchangeOnline",
        });
        expect(r["typo"]).toMatchObject({
          message: "A parameter cannot be found that matches parameter name 'Organisation'.",
          fqid: "NamedParameterNotFound,Connect-ExchangeOnline",
        });
        expect(r["cert-file"]).toBe("ok");
        expect(r["disconnect"]).toBe("ok");
      },
      TIMEOUT,
    );

    it(
      "has REST cmdlets only while connected, only those -CommandName and the caller's RBAC allow",
      async () => {
        const run = await runPwsh(
          script(`
          Check 'before' { Get-Mailbox }
          Check 'exo-before' { Get-EXOMailbox }
          Connect-ExchangeOnline -ManagedIdentity -Organization ${ORG} -ShowBanner:$false -SkipLoadingFormatData -CommandName Get-Mailbox, Get-MailboxPermission, New-ServicePrincipal
          $results['commands'] = @((Get-Command -Module tmpEXO_*).Name | Sort-Object)
          Check 'named' { Get-Mailbox -Identity a@contoso.com }
          Check 'not-named' { Get-CASMailbox }
          Check 'exo' { Get-EXOMailbox a@contoso.com }
          Disconnect-ExchangeOnline -Confirm:$false
          Check 'after' { Get-Mailbox }
        `),
          env({ EXO_SIM_FAULTS: JSON.stringify({ notRecognized: ["New-ServicePrincipal"] }) }),
        );
        const r = lastJson<Record<string, unknown>>(run);
        expect(r.before).toMatchObject({
          fqid: "CommandNotFoundException",
          message: expect.stringMatching(/^The term 'Get-Mailbox' is not recognized/),
        });
        expect(r["exo-before"]).toMatchObject({
          message: "You must call Connect-ExchangeOnline before calling any other cmdlet.",
        });
        // New-ServicePrincipal was named but is outside the caller's RBAC (fault notRecognized).
        expect(r.commands).toEqual(["Get-Mailbox", "Get-MailboxPermission"]);
        expect(r.named).toBe("ok");
        expect(r["not-named"]).toMatchObject({ fqid: "CommandNotFoundException" });
        expect(r.exo).toBe("ok");
        expect(r.after).toMatchObject({ fqid: "CommandNotFoundException" });
      },
      TIMEOUT,
    );

    it(
      "returns objects typed Deserialized.<Exchange type>, warnings on the warning stream, errors as Exchange's records",
      async () => {
        const run = await runPwsh(
          script(`
          Connect-ExchangeOnline -ManagedIdentity -Organization ${ORG} -ShowBanner:$false
          $mb = Get-Mailbox a@contoso.com
          $results['type'] = $mb.GetType().FullName
          $results['typeName'] = $mb.PSObject.TypeNames[0]
          $results['isHashtable'] = $mb -is [hashtable]
          $results['formatted'] = ($mb | Format-Table | Out-String -Width 200).Contains('PrimarySmtpAddress')
          $sp = New-ServicePrincipal -AppId ${t.app.clientId} -ObjectId ${t.app.spObjectId} -DisplayName 'x'
          $w = $null
          Add-MailboxPermission -Identity a@contoso.com -User ${t.app.spObjectId} -AccessRights FullAccess -WarningVariable w -WarningAction SilentlyContinue | Out-Null
          Add-MailboxPermission -Identity a@contoso.com -User ${t.app.spObjectId} -AccessRights FullAccess -WarningVariable w -WarningAction SilentlyContinue | Out-Null
          $results['warnings'] = @($w | ForEach-Object { $_.Message })
          $e = $null
          Get-Mailbox -Identity ghost@contoso.com -ErrorAction SilentlyContinue -ErrorVariable e
          $results['continued'] = $true
          $results['record'] = @{ message = $e[0].Exception.Message; fqid = $e[0].FullyQualifiedErrorId; reason = $e[0].CategoryInfo.Reason; activity = $e[0].CategoryInfo.Activity; category = "$($e[0].CategoryInfo.Category)" }
          Check 'missing-mandatory' { Add-MailboxPermission -Identity a@contoso.com -User x }
          Check 'unknown-parameter' { Get-MailboxPermission -Identity a@contoso.com -Usr x }
          Check 'set-conflict' { Get-MailboxPermission -Identity a@contoso.com -Owner -User x }
          Check 'confirm' { Remove-ServicePrincipal -Identity ${t.app.spObjectId} }
          Check 'bad-enum' { Add-MailboxPermission -Identity a@contoso.com -User ${t.app.spObjectId} -AccessRights FullAccesss }
          Check 'unmodelled' { Get-Mailbox -Filter "Alias -eq 'a'" }
          Disconnect-ExchangeOnline -Confirm:$false
        `),
          env(),
        );
        const r = lastJson<Record<string, unknown>>(run);
        expect(r).toMatchObject({
          type: "System.Management.Automation.PSCustomObject",
          typeName: "Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox",
          isHashtable: false,
          formatted: true,
          continued: true,
        });
        expect(r.warnings).toEqual([
          expect.stringMatching(
            /^The appropriate access control entry is already present on the object "CN=a,.*" for account "x"\.$/,
          ),
        ]);
        expect(r.record).toMatchObject({
          message: expect.stringMatching(
            /^Ex6F9304\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'ghost@contoso\.com' couldn't be found on '/,
          ),
          fqid: expect.stringMatching(
            /^\[Server=[^,]+,RequestId=[0-9a-f-]{36},TimeStamp=[^\]]+\],Write-ErrorMessage$/,
          ),
          reason: "ManagementObjectNotFoundException",
          activity: "Get-Mailbox",
          category: "NotSpecified",
        });
        expect(r["missing-mandatory"]).toMatchObject({
          message:
            "Cannot process command because of one or more missing mandatory parameters: AccessRights.",
          fqid: "MissingMandatoryParameter,Add-MailboxPermission",
        });
        expect(r["unknown-parameter"]).toMatchObject({
          fqid: "NamedParameterNotFound,Get-MailboxPermission",
        });
        expect(r["set-conflict"]).toMatchObject({ fqid: "AmbiguousParameterSet,Get-MailboxPermission" });
        expect(r.confirm).toMatchObject({
          message: expect.stringContaining(
            "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
          ),
        });
        expect(r["bad-enum"]).toMatchObject({
          message: expect.stringContaining('Cannot convert value "FullAccesss"'),
        });
        expect(r.unmodelled).toMatchObject({ type: "System.NotImplementedException" });
      },
      TIMEOUT,
    );
  },
);
