#Requires -Version 7.4
# exo-oauth: the PowerShell side of the Exchange step (scripts/exchange-driver/session.ts is the other).
# Reads one JSON request per line on stdin:  { "id": n, "cmdlet": "...", "params": { ... } }
# Writes one JSON response per line on stdout: { "id": n, "ok": true, "result": [...], "warnings": [...] }
#                                          or { "id": n, "ok": false, "error": {...}, "warnings": [...] }
# Nothing else is written to stdout. Requests: "connect" (once, first), an allow-listed cmdlet, "disconnect".
# Secrets arrive only in the environment (EXO_OAUTH_CERTIFICATE, EXO_OAUTH_CERTIFICATE_PASSWORD,
# EXO_OAUTH_ACCESS_TOKEN), are read once at start and removed from the environment.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue' # warnings are captured per cmdlet with -WarningVariable
# The protocol is UTF-8 both ways (Windows consoles default to an OEM code page).
try { [Console]::InputEncoding = [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { }

$Secrets = @{}
foreach ($name in 'EXO_OAUTH_CERTIFICATE', 'EXO_OAUTH_CERTIFICATE_PASSWORD', 'EXO_OAUTH_ACCESS_TOKEN') {
    $Secrets[$name] = [Environment]::GetEnvironmentVariable($name)
    [Environment]::SetEnvironmentVariable($name, $null)
}

$Allowed = @(
    'Get-ServicePrincipal', 'New-ServicePrincipal', 'Remove-ServicePrincipal',
    'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission',
    'Get-RecipientPermission', 'Add-RecipientPermission', 'Remove-RecipientPermission',
    'Get-Mailbox', 'Get-EXOMailbox', 'Get-CASMailbox'
)
$Connected = $false
$Warnings = @()

function Write-Response([hashtable] $Response) {
    [Console]::Out.WriteLine((ConvertTo-Json -InputObject $Response -Depth 6 -Compress))
    [Console]::Out.Flush()
}

function New-ShimError([string] $Message, [string] $Category, [string] $Id) {
    $record = [System.Management.Automation.ErrorRecord]::new(
        [System.InvalidOperationException]::new($Message), $Id,
        [System.Management.Automation.ErrorCategory]$Category, $null)
    return $record
}

# One Exchange object as a flat dictionary: scalars as they are, collections as string arrays.
function ConvertTo-Plain($Object) {
    $plain = [ordered]@{}
    foreach ($p in $Object.PSObject.Properties) {
        $v = $null
        try { $v = $p.Value } catch { continue }
        if ($null -eq $v -or $v -is [string] -or $v -is [bool] -or $v -is [int] -or $v -is [long]) {
            $plain[$p.Name] = $v
        } elseif ($v -is [System.Collections.IEnumerable]) {
            $plain[$p.Name] = @(foreach ($item in $v) { "$item" })
        } else {
            $plain[$p.Name] = "$v"
        }
    }
    return $plain
}

function Invoke-Connect([hashtable] $P) {
    $min = [version]$P['moduleMinVersion']
    $module = Get-Module -ListAvailable -Name ExchangeOnlineManagement |
        Where-Object { $_.Version -ge $min } | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $module) {
        throw (New-ShimError ("ExchangeOnlineManagement $min or later is not installed for this pwsh; " +
                "install it with: Install-Module ExchangeOnlineManagement -MinimumVersion $min -Scope CurrentUser") `
                'NotInstalled' 'ExchangeModuleMissing')
    }
    Import-Module $module -ErrorAction Stop 6>$null
    $connect = @{ ShowBanner = $false; Organization = $P['organization']; ErrorAction = 'Stop' }
    switch ($P['connection']) {
        'certificate' {
            $password = [string]$Secrets['EXO_OAUTH_CERTIFICATE_PASSWORD'] # [string]: picks the (byte[], string) overload
            $bytes = [Convert]::FromBase64String([string]$Secrets['EXO_OAUTH_CERTIFICATE'])
            $connect['AppId'] = $P['appId']
            $connect['Certificate'] = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes, $password)
        }
        'managedIdentity' {
            $connect['ManagedIdentity'] = $true
            if ($P['managedIdentityAccountId']) { $connect['ManagedIdentityAccountId'] = $P['managedIdentityAccountId'] }
        }
        'accessToken' { $connect['AccessToken'] = $Secrets['EXO_OAUTH_ACCESS_TOKEN'] }
        default { throw (New-ShimError "Unknown connection '$($P['connection'])'" 'InvalidArgument' 'ConnectionUnknown') }
    }
    Connect-ExchangeOnline @connect 6>$null | Out-Null
    $Secrets.Clear()
    $script:Connected = $true
}

function Invoke-Request([hashtable] $Request) {
    $cmdlet = [string]$Request['cmdlet']
    $params = if ($Request['params']) { $Request['params'] } else { @{} }
    if ($cmdlet -eq 'connect') { $null = Invoke-Connect $params; return , @() }
    if ($cmdlet -eq 'disconnect') {
        if ($script:Connected) { Disconnect-ExchangeOnline -Confirm:$false -ErrorAction Stop 6>$null | Out-Null }
        $script:Connected = $false
        return , @()
    }
    if ($Allowed -notcontains $cmdlet) {
        throw (New-ShimError "Cmdlet '$cmdlet' is not allowed by the exo-oauth shim; allowed: $($Allowed -join ', ')" `
                'InvalidOperation' 'CmdletNotAllowed')
    }
    $cmdletWarnings = $null
    try {
        $out = & $cmdlet @params -ErrorAction Stop -WarningAction SilentlyContinue -WarningVariable cmdletWarnings 6>$null
    } finally {
        $script:Warnings = @(foreach ($w in @($cmdletWarnings)) { if ($null -ne $w) { "$w" } })
    }
    return , @(foreach ($o in @($out)) { if ($null -ne $o) { ConvertTo-Plain $o } })
}

while ($null -ne ($line = [Console]::In.ReadLine())) {
    if (-not $line.Trim()) { continue }
    $id = $null
    $script:Warnings = @()
    try {
        $request = ConvertFrom-Json -InputObject $line -AsHashtable -ErrorAction Stop
        $id = $request['id']
        $result = Invoke-Request $request
        Write-Response @{ id = $id; ok = $true; result = $result; warnings = $script:Warnings }
        if ($request['cmdlet'] -eq 'disconnect') { break }
    } catch {
        Write-Response @{
            id       = $id
            ok       = $false
            error    = @{
                message               = $_.Exception.Message
                category              = $_.CategoryInfo.Category.ToString()
                fullyQualifiedErrorId = $_.FullyQualifiedErrorId
                exceptionType         = $_.Exception.GetType().FullName
            }
            warnings = $script:Warnings
        }
    }
}
# stdin closed without a disconnect request: still end the Exchange session.
if ($Connected) { try { Disconnect-ExchangeOnline -Confirm:$false 6>$null | Out-Null } catch { } }
