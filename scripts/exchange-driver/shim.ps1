#Requires -Version 7.4
# exo-oauth: the PowerShell side of the Exchange step (scripts/exchange-driver/session.ts is the other).
# Reads one JSON request per line on stdin:  { "id": n, "cmdlet": "...", "params": { ... } }
# Writes one JSON response per line on stdout: { "id": n, "ok": true, "result": [...], "warnings": [...] }
#                                          or { "id": n, "ok": false, "error": {...}, "warnings": [...] }
# Nothing else is written to stdout: the module's warnings are captured per call
# (-WarningVariable / 3>), its information and Write-Host output dropped (6>), and, before
# anything is written, [Console]::Out is pointed at stderr — which is where the console host's
# own writes ($Host.UI, error display) then go too (docs/powershell-tier.md, "The protocol stream").
# Requests: "connect" (once, first), an allow-listed cmdlet, "disconnect".
# Secrets arrive only in the environment (EXO_OAUTH_CERTIFICATE, EXO_OAUTH_CERTIFICATE_PASSWORD,
# EXO_OAUTH_ACCESS_TOKEN), are read once at start and removed from the environment.
# Dot-sourcing this file (`. ./shim.ps1`) defines its functions without starting the loop (tests).
Set-StrictMode -Version 3.0

$Allowed = @(
    'Get-ServicePrincipal', 'New-ServicePrincipal', 'Remove-ServicePrincipal',
    'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission',
    'Get-RecipientPermission', 'Add-RecipientPermission', 'Remove-RecipientPermission',
    'Get-Mailbox', 'Get-EXOMailbox', 'Get-CASMailbox', 'Get-TransportConfig'
)
$SecretNames = @('EXO_OAUTH_CERTIFICATE', 'EXO_OAUTH_CERTIFICATE_PASSWORD', 'EXO_OAUTH_ACCESS_TOKEN')

# Which ExchangeOnlineManagement runs on which PowerShell (exchange-online-powershell-v2.md,
# "Supported operating systems for the Exchange Online PowerShell module"): 3.10.0+ needs 7.6.0+
# (.NET 10); 3.5.0–3.9.2 need 7.4.0+ (.NET 8); 3.0.0–3.4.0 run on 7.2.0–7.3.7 only (.NET 6).
# Versions past the table inherit its first row. The same rule, for the simulator:
# scripts/offline-tenant/exchange/module-selection.ts.
$ModuleSupport = @(
    @{ Module = [version]'3.10.0'; PwshMin = [version]'7.6.0'; PwshMax = $null }
    @{ Module = [version]'3.5.0'; PwshMin = [version]'7.4.0'; PwshMax = $null }
    @{ Module = [version]'3.0.0'; PwshMin = [version]'7.2.0'; PwshMax = [version]'7.3.7' }
)
$LastModuleForPwsh74 = [version]'3.9.2'

function Get-UnsupportedReason([version] $Module, [version] $Pwsh) {
    $row = $ModuleSupport | Where-Object { $Module -ge $_.Module } | Select-Object -First 1
    if (-not $row) { return 'older than 3.0.0, which has no REST cmdlets' }
    if ($Pwsh -lt $row.PwshMin) { return "needs PowerShell $($row.PwshMin) or later" }
    if ($row.PwshMax -and $Pwsh -gt $row.PwshMax) { return "supported only on PowerShell $($row.PwshMin) to $($row.PwshMax)" }
    return $null
}

# The newest installed module that is >= $Minimum and runs on $Pwsh; else the error text, with an
# Install-Module line that installs a version this pwsh runs. $Available: objects with .Version.
function Select-ExoModule([object[]] $Available, [version] $Minimum, [version] $Pwsh) {
    $skipped = @()
    foreach ($m in @($Available | Sort-Object { [version]$_.Version } -Descending)) {
        $v = [version]$m.Version
        if ($v -lt $Minimum) { $skipped += "$v (older than $Minimum)"; continue }
        $why = Get-UnsupportedReason $v $Pwsh
        if ($why) { $skipped += "$v ($why)"; continue }
        return @{ Module = $m; Message = $null }
    }
    $usable = @($ModuleSupport | Where-Object { -not (Get-UnsupportedReason $_.Module $Pwsh) })
    $found = if ($skipped.Count) { "; found and skipped: $($skipped -join ', ')" } else { '; none found' }
    $install = "Install-Module ExchangeOnlineManagement -MinimumVersion $Minimum -Scope CurrentUser"
    $hint = if (-not $usable.Count) {
        "no ExchangeOnlineManagement release supports PowerShell ${Pwsh}: install PowerShell 7.6 or later (set exo-oauth:exchange.pwsh to it), then: $install"
    } elseif (-not (Get-UnsupportedReason ([version]'3.10.0') $Pwsh)) {
        "install it with: $install"
    } elseif ($Minimum -le $LastModuleForPwsh74) {
        "install it with: Install-Module ExchangeOnlineManagement -MinimumVersion $Minimum -MaximumVersion $LastModuleForPwsh74 -Scope CurrentUser"
    } else {
        "ExchangeOnlineManagement $Minimum or later needs PowerShell 7.6: install PowerShell 7.6 or later (set exo-oauth:exchange.pwsh to it), then: $install"
    }
    return @{ Module = $null; Message = "ExchangeOnlineManagement $Minimum or later is not installed for this pwsh (PowerShell $Pwsh)$found; $hint" }
}

function New-ShimError([string] $Message, [string] $Category, [string] $Id) {
    return [System.Management.Automation.ErrorRecord]::new(
        [System.InvalidOperationException]::new($Message), $Id,
        [System.Management.Automation.ErrorCategory]$Category, $null)
}

# One scalar for JSON: dates as ISO 8601 (culture-independent), others as they are or as text.
function ConvertTo-PlainValue($Value) {
    if ($null -eq $Value -or $Value -is [string] -or $Value -is [bool] -or $Value -is [int] -or $Value -is [long]) { return $Value }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o', [cultureinfo]::InvariantCulture) }
    if ($Value -is [datetimeoffset]) { return $Value.ToString('o', [cultureinfo]::InvariantCulture) }
    if ($Value -is [double] -or $Value -is [decimal] -or $Value -is [single]) { return [string]::Format([cultureinfo]::InvariantCulture, '{0}', $Value) }
    return [string]$Value
}

# One Exchange object as a flat dictionary: scalars as above, collections as string arrays.
function ConvertTo-Plain($Object) {
    $plain = [ordered]@{}
    foreach ($p in $Object.PSObject.Properties) {
        $v = $null
        try { $v = $p.Value } catch { continue }
        if ($v -isnot [string] -and $v -is [System.Collections.IEnumerable]) {
            $plain[$p.Name] = @(foreach ($item in $v) { [string](ConvertTo-PlainValue $item) })
        } else {
            $plain[$p.Name] = ConvertTo-PlainValue $v
        }
    }
    return $plain
}

# Non-ASCII escaped as \uXXXX: the line is ASCII whatever encoding the console has.
function ConvertTo-ProtocolLine([hashtable] $Response) {
    return ConvertTo-Json -InputObject $Response -Depth 8 -Compress -EscapeHandling EscapeNonAscii
}

# Warnings as text, without WARNING: prefixes.
function Get-WarningText($Records) {
    return @(foreach ($w in @($Records)) { if ($null -ne $w) { if ($w -is [System.Management.Automation.WarningRecord]) { $w.Message } else { "$w" } } })
}

function Invoke-Connect([hashtable] $P) {
    $min = [version]$P['moduleMinVersion']
    $installed = @(Get-Module -ListAvailable -Name ExchangeOnlineManagement)
    $choice = Select-ExoModule $installed $min $PSVersionTable.PSVersion
    if (-not $choice.Module) { throw (New-ShimError $choice.Message 'NotInstalled' 'ExchangeModuleMissing') }
    # Module code does not see this script's preferences: its warnings are captured, its
    # information and host output dropped, per call.
    $imported = Import-Module $choice.Module -ErrorAction Stop -WarningAction Continue 3>&1 6>$null
    $script:Warnings += Get-WarningText $imported
    $connect = @{
        ShowBanner            = $false
        Organization          = $P['organization']
        # Fewer commands and no format data: a lighter, faster connect (Connect-ExchangeOnline.md).
        SkipLoadingFormatData = $true
        CommandName           = @($Allowed | Where-Object { $_ -notlike 'Get-EXO*' })
        ErrorAction           = 'Stop'
    }
    switch ($P['connection']) {
        'certificate' {
            $password = [string]$script:Secrets['EXO_OAUTH_CERTIFICATE_PASSWORD'] # [string]: picks the (byte[], string) overload
            $bytes = [Convert]::FromBase64String([string]$script:Secrets['EXO_OAUTH_CERTIFICATE'])
            $connect['AppId'] = $P['appId']
            $connect['Certificate'] = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes, $password)
        }
        'managedIdentity' {
            $connect['ManagedIdentity'] = $true
            if ($P['managedIdentityAccountId']) { $connect['ManagedIdentityAccountId'] = $P['managedIdentityAccountId'] }
        }
        'accessToken' { $connect['AccessToken'] = $script:Secrets['EXO_OAUTH_ACCESS_TOKEN'] }
        default { throw (New-ShimError "Unknown connection '$($P['connection'])'" 'InvalidArgument' 'ConnectionUnknown') }
    }
    $connectWarnings = $null
    try {
        $null = Connect-ExchangeOnline @connect -WarningAction SilentlyContinue -WarningVariable connectWarnings 3>$null 6>$null
    } finally {
        $script:Warnings += Get-WarningText $connectWarnings
    }
    $script:Secrets.Clear()
    $script:Connected = $true
}

function Invoke-Disconnect {
    if (-not $script:Connected) { return }
    $script:Connected = $false
    $disconnectWarnings = $null
    try {
        $null = Disconnect-ExchangeOnline -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue -WarningVariable disconnectWarnings 3>$null 6>$null
    } finally {
        $script:Warnings += Get-WarningText $disconnectWarnings
    }
}

function Invoke-Request([hashtable] $Request) {
    $cmdlet = [string]$Request['cmdlet']
    $params = if ($Request['params']) { $Request['params'] } else { @{} }
    if ($cmdlet -eq 'connect') { Invoke-Connect $params; return , @() }
    if ($cmdlet -eq 'disconnect') { Invoke-Disconnect; return , @() }
    if ($Allowed -notcontains $cmdlet) {
        throw (New-ShimError "Cmdlet '$cmdlet' is not allowed by the exo-oauth shim; allowed: $($Allowed -join ', ')" `
                'InvalidOperation' 'CmdletNotAllowed')
    }
    $cmdletWarnings = $null
    $cmdletErrors = $null
    try {
        $out = & $cmdlet @params -ErrorAction Stop -ErrorVariable cmdletErrors -WarningAction SilentlyContinue -WarningVariable cmdletWarnings 2>$null 3>$null 6>$null
    } finally {
        $script:Warnings += Get-WarningText $cmdletWarnings
    }
    # A module function whose errors escape -ErrorAction Stop (written from another module's
    # scope, where the preference does not reach) still failed: never report it as success.
    if (@($cmdletErrors).Count) { throw @($cmdletErrors)[0] }
    return , @(foreach ($o in @($out)) { if ($null -ne $o) { ConvertTo-Plain $o } })
}

function Start-Shim {
    $ErrorActionPreference = 'Stop'
    # Globals, so module functions see them too: no progress bars, no verbose/debug chatter.
    $global:ProgressPreference = 'SilentlyContinue'
    $global:VerbosePreference = 'SilentlyContinue'
    $global:DebugPreference = 'SilentlyContinue'
    $global:InformationPreference = 'SilentlyContinue'
    $PSStyle.OutputRendering = 'PlainText'
    # The protocol owns stdout/stdin as UTF-8 byte streams, whatever the console's encoding (and
    # without setting it, which fails where there is no console); stray [Console]::Out writes
    # (module or .NET code) go to stderr.
    $protocol = [System.IO.StreamWriter]::new([Console]::OpenStandardOutput(), [System.Text.UTF8Encoding]::new($false))
    $protocol.AutoFlush = $true
    $protocol.NewLine = "`n"
    $stdin = [System.IO.StreamReader]::new([Console]::OpenStandardInput(), [System.Text.UTF8Encoding]::new($false))
    [Console]::SetOut([Console]::Error)

    $script:Secrets = @{}
    foreach ($name in $SecretNames) {
        $script:Secrets[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $script:Connected = $false

    while ($null -ne ($line = $stdin.ReadLine())) {
        if (-not $line.Trim()) { continue }
        $id = $null
        $script:Warnings = @()
        $done = $false
        try {
            $request = ConvertFrom-Json -InputObject $line -AsHashtable -ErrorAction Stop
            $id = $request['id']
            $result = Invoke-Request $request
            $protocol.WriteLine((ConvertTo-ProtocolLine @{ id = $id; ok = $true; result = $result; warnings = $script:Warnings }))
            $done = $request['cmdlet'] -eq 'disconnect'
        } catch {
            $protocol.WriteLine((ConvertTo-ProtocolLine @{
                        id       = $id
                        ok       = $false
                        error    = @{
                            message               = $_.Exception.Message
                            category              = $_.CategoryInfo.Category.ToString()
                            fullyQualifiedErrorId = $_.FullyQualifiedErrorId
                            exceptionType         = $_.Exception.GetType().FullName
                        }
                        warnings = $script:Warnings
                    }))
        }
        if ($done) { break }
    }
    # stdin closed without a disconnect request: still end the Exchange session.
    try { Invoke-Disconnect } catch { }
}

if ($MyInvocation.InvocationName -ne '.') { $null = Start-Shim }
