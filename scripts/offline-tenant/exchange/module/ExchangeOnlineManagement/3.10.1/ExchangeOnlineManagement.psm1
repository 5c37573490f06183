# OFFLINE TEST DOUBLE — NOT Microsoft's ExchangeOnlineManagement (see the .psd1).
# Connect-ExchangeOnline / Disconnect-ExchangeOnline / Get-EXOMailbox with the parameters and
# checks Microsoft documents (MicrosoftDocs/office-docs-powershell,
# exchange/exchange-ps/ExchangePowerShell/Connect-ExchangeOnline.md and friends), talking to the
# offline Exchange double's REST front (scripts/offline-tenant/exchange/rest-server.ts) at
# $env:EXO_SIM_REST_URL. What it models and where it differs: docs/powershell-tier.md.
Set-StrictMode -Version 3.0

$script:Version = [version](Import-PowerShellDataFile (Join-Path $PSScriptRoot 'ExchangeOnlineManagement.psd1')).ModuleVersion
$script:Spec = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'RestCmdlets.psd1')
$script:Connection = $null
$script:BaseUrl = $null

# Like the real module's .NET assemblies (3.10+: .NET 10 = PowerShell 7.6; 3.5–3.9: .NET 8 =
# 7.4; exchange-online-powershell-v2.md, "Supported operating systems"), it does not load on
# an older PowerShell.
$needs = if ($script:Version -ge [version]'3.10.0') { @('7.6.0', '10') } elseif ($script:Version -ge [version]'3.5.0') { @('7.4.0', '8') } else { @('7.2.0', '6') }
if ($PSVersionTable.PSVersion -lt [version]$needs[0]) {
    throw [System.IO.FileNotFoundException]::new(
        "Could not load file or assembly 'System.Runtime, Version=$($needs[1]).0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a'. The system cannot find the file specified.")
}

# EXO_SIM_MODULE_NOISE=1: the stand-in writes on every stream and to the console at import,
# connect, each cmdlet and disconnect, so tests can prove none of it reaches the shim's protocol.
function Write-StandInNoise([string] $Where) {
    if ($env:EXO_SIM_MODULE_NOISE -ne '1') { return }
    Write-Warning "exo-sim noise: warning from $Where"
    Write-Host "exo-sim noise: Write-Host from $Where"
    Write-Information "exo-sim noise: information from $Where"
    Write-Verbose "exo-sim noise: verbose from $Where"
    [Console]::Out.WriteLine("exo-sim noise: Console.Out from $Where")
    $Host.UI.WriteLine("exo-sim noise: Host.UI from $Where")
}

. (Join-Path $PSScriptRoot 'Transport.ps1')
. ([scriptblock]::Create($script:WriteErrorMessageText))

function New-ConnectArgumentError([string] $Message) {
    [System.ArgumentException]::new($Message)
}

function Connect-ExchangeOnline {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $ConnectionUri,
        [Parameter(Position = 1)] [string] $AzureADAuthorizationEndpointUri,
        [Parameter(Position = 2)] [ValidateSet('O365Default', 'O365GermanyCloud', 'O365China', 'O365USGovGCCHigh', 'O365USGovDoD')] [string] $ExchangeEnvironmentName = 'O365Default',
        [Parameter(Position = 3)] [System.Management.Automation.Remoting.PSSessionOption] $PSSessionOption,
        [Parameter(Position = 4)] [string] $DelegatedOrganization,
        [Parameter(Position = 5)] [string] $Prefix,
        [Parameter(Position = 6)] [string[]] $CommandName,
        [Parameter(Position = 7)] [string[]] $FormatTypeName,
        [string] $AccessToken,
        [string] $AppId,
        [switch] $BypassMailboxAnchoring,
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
        [string] $CertificateFilePath,
        [securestring] $CertificatePassword,
        [string] $CertificateThumbprint,
        [pscredential] $Credential,
        [switch] $Device,
        [switch] $DisableWAM,
        [switch] $EnableErrorReporting,
        [string] $EXOModuleBasePath,
        [switch] $InlineCredential,
        [switch] $LoadCmdletHelp,
        [string] $LogDirectoryPath,
        [ValidateSet('Default', 'All')] [string] $LogLevel,
        [switch] $ManagedIdentity,
        [string] $ManagedIdentityAccountId,
        [string] $Organization,
        [ValidateRange(1, 1000)] [uint32] $PageSize,
        [switch] $ShowBanner = $true,
        [bool] $ShowProgress,
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $SigningCertificate,
        [switch] $SkipLoadingCmdletHelp,
        [switch] $SkipLoadingFormatData,
        [bool] $TrackPerformance,
        [bool] $UseMultithreading,
        [string] $UserPrincipalName,
        [switch] $UseRPSSession
    )
    $ProgressPreference = 'SilentlyContinue'
    Write-StandInNoise 'Connect-ExchangeOnline'
    # Options that would change where or how it connects: not modelled, refused loudly.
    foreach ($name in 'ConnectionUri', 'AzureADAuthorizationEndpointUri', 'PSSessionOption', 'DelegatedOrganization', 'Prefix', 'FormatTypeName', 'SigningCertificate', 'BypassMailboxAnchoring') {
        if ($PSBoundParameters.ContainsKey($name)) {
            throw [System.NotImplementedException]::new("Connect-ExchangeOnline -$name is not modelled by the offline stand-in module (docs/powershell-tier.md)")
        }
    }
    if ($ExchangeEnvironmentName -ne 'O365Default') {
        throw [System.NotImplementedException]::new("Connect-ExchangeOnline -ExchangeEnvironmentName $ExchangeEnvironmentName is not modelled by the offline stand-in module")
    }
    if ($UseRPSSession) { Write-Warning 'The UseRPSSession parameter is deprecated: remote PowerShell connections to Exchange Online are retired; connecting with REST.' }

    # The authentication the parameters ask for (Connect-ExchangeOnline.md, per parameter).
    $certificates = @($PSBoundParameters.Keys | Where-Object { $_ -in 'Certificate', 'CertificateFilePath', 'CertificateThumbprint' })
    if ($certificates.Count -gt 1) {
        throw (New-ConnectArgumentError "Use only one of -$($certificates -join ', -'): each identifies the certificate for certificate-based authentication")
    }
    if ($ManagedIdentityAccountId -and -not $ManagedIdentity) {
        throw (New-ConnectArgumentError 'ManagedIdentityAccountId is used with the ManagedIdentity switch; add -ManagedIdentity')
    }
    $auth = $null
    if ($ManagedIdentity) {
        if (-not $Organization) { throw [System.ArgumentNullException]::new('Organization cannot be null for Managed Identity based connections.') }
        $auth = @{ kind = 'managedIdentity'; managedIdentityAccountId = $ManagedIdentityAccountId }
    } elseif ($certificates.Count -eq 1) {
        if (-not $AppId) { throw [System.ArgumentNullException]::new('AppId cannot be null for certificate based connections.') }
        if (-not $Organization) { throw [System.ArgumentNullException]::new('Organization cannot be null for certificate based connections.') }
        if ($CertificateThumbprint) {
            if (-not $IsWindows) { throw [System.PlatformNotSupportedException]::new('The CertificateThumbprint parameter is supported only in Microsoft Windows.') }
            throw [System.NotImplementedException]::new('Connect-ExchangeOnline -CertificateThumbprint is not modelled by the offline stand-in module')
        }
        if ($CertificateFilePath) {
            if (-not (Test-Path -LiteralPath $CertificateFilePath -PathType Leaf)) {
                throw [System.IO.FileNotFoundException]::new("Could not find file '$CertificateFilePath'.", $CertificateFilePath)
            }
            $Certificate = if ($CertificatePassword) {
                [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($CertificateFilePath, $CertificatePassword)
            } else { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($CertificateFilePath) }
        }
        Assert-SigningCertificate $Certificate $AppId
        $auth = @{ kind = 'certificate'; appId = $AppId }
    } elseif ($PSBoundParameters.ContainsKey('AccessToken')) {
        if (-not $AccessToken) { throw [System.ArgumentNullException]::new('AccessToken') }
        if (-not $Organization -and -not $UserPrincipalName) { throw [System.ArgumentNullException]::new('Organization cannot be null for AccessToken based connections.') }
        $auth = @{ kind = 'accessToken'; accessToken = $AccessToken }
    } else {
        throw [System.NotSupportedException]::new('Interactive sign-in (-UserPrincipalName, -Device, -InlineCredential, -Credential or no credentials) is not available to the offline stand-in module: use -Certificate, -ManagedIdentity or -AccessToken')
    }

    $base = $env:EXO_SIM_REST_URL
    if (-not $base) { throw [System.InvalidOperationException]::new('EXO_SIM_REST_URL is not set: the offline stand-in module needs the URL of the Exchange double (scripts/offline-tenant/exchange/rest-server.ts)') }
    $retries = 3
    if ($env:EXO_SIM_MODULE_RETRIES) {
        if (-not [int]::TryParse($env:EXO_SIM_MODULE_RETRIES, [ref]$retries) -or $retries -lt 0 -or $retries -gt 10) {
            throw [System.ArgumentException]::new("EXO_SIM_MODULE_RETRIES: `"$($env:EXO_SIM_MODULE_RETRIES)`" is not an integer from 0 to 10")
        }
    }
    if ($script:Connection) { Disconnect-StandIn }
    $script:BaseUrl = $base.TrimEnd('/')
    $knobs = @{ state = $env:EXO_SIM_STATE; stats = $env:EXO_SIM_STATS; faults = $env:EXO_SIM_FAULTS; latency = $env:EXO_SIM_LATENCY }
    $r = Send-StandInRequest 'POST' '/exo-sim/v1/connect' @{ organization = $Organization; auth = $auth; knobs = $knobs } @{ 'X-ClientModuleVersion' = "$script:Version" }
    if ($r.Status -ne 200) {
        $message = if ($r.Body -and $r.Body.error) { $r.Body.error.message } else { "HttpStatusCode=$($r.Status)" }
        throw [System.UnauthorizedAccessException]::new($message)
    }
    $commands = @{}
    $typeNames = @{}
    foreach ($c in @($r.Body.commands)) {
        $commands[$c.name] = @($c.parameters)
        $typeNames[$c.name] = if ($c.PSObject.Properties['typeName']) { $c.typeName } else { $null }
    }
    $rest = @($commands.Keys | Where-Object { $script:Spec.ContainsKey($_) } | Sort-Object)
    if ($CommandName) { $rest = @($rest | Where-Object { $_ -in $CommandName }) }
    $script:Connection = [pscustomobject]@{
        ConnectionId = $r.Body.connectionId
        TenantId     = $r.Body.tenantId
        Token        = if ($auth.kind -eq 'accessToken') { $AccessToken } else { $r.Body.token }
        Commands     = $commands
        TypeNames    = $typeNames
        Retries      = $retries
        Module       = $null
        FormatFile   = $null
    }
    $script:Connection.Module = if ($rest.Count) { Import-RestCmdlets $rest } else { $null }
    if (-not $SkipLoadingFormatData) {
        $format = Send-StandInRequest 'GET' '/exo-sim/v1/format-data'
        $file = Join-Path ([System.IO.Path]::GetTempPath()) "tmpEXO_$($script:Connection.ConnectionId).Format.ps1xml"
        [System.IO.File]::WriteAllText($file, $format.Text)
        $script:Connection.FormatFile = $file
        Update-FormatData -PrependPath $file
    }
    if ($ShowBanner) {
        Write-Host '----------------------------------------------------------------------------------------'
        Write-Host 'This is the OFFLINE stand-in of the Exchange Online PowerShell V3 module (exo-oauth tests).'
        Write-Host 'Its REST cmdlets reach a local Exchange double, not Microsoft.'
        Write-Host '----------------------------------------------------------------------------------------'
    }
}

# The certificate must carry a usable private key (MSAL signs the client assertion with it);
# Entra refuses an expired one with AADSTS700027 (docs/microsoft-contract.md).
function Assert-SigningCertificate($Certificate, [string] $AppId) {
    if (-not $Certificate.HasPrivateKey) {
        throw (New-ConnectArgumentError "The certificate $($Certificate.Thumbprint) has no private key: certificate-based authentication signs with it")
    }
    if ($Certificate.NotAfter -lt [datetime]::Now) {
        throw [System.UnauthorizedAccessException]::new("AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '$($Certificate.Thumbprint)', Found key 'Start=$($Certificate.NotBefore.ToUniversalTime().ToString('MM/dd/yyyy HH:mm:ss')), End=$($Certificate.NotAfter.ToUniversalTime().ToString('MM/dd/yyyy HH:mm:ss'))', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '$AppId'.]")
    }
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
    $data = [System.Text.Encoding]::UTF8.GetBytes("client-assertion:$AppId")
    $null = $rsa.SignData($data, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
}

function Disconnect-StandIn {
    $c = $script:Connection
    if (-not $c) { return }
    try {
        $null = Send-StandInRequest 'POST' '/exo-sim/v1/disconnect' $null @{ Authorization = "Bearer $($c.Token)"; 'connection-id' = $c.ConnectionId }
    } finally {
        if ($c.Module) {
            Remove-Module -ModuleInfo $c.Module -Force
            Remove-Item -LiteralPath $c.Module.ModuleBase -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($c.FormatFile) { Remove-Item -LiteralPath $c.FormatFile -Force -ErrorAction SilentlyContinue }
        $script:Connection = $null
    }
}

function Disconnect-ExchangeOnline {
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'DefaultParameterSet')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'ConnectionId')] [string[]] $ConnectionId,
        [Parameter(Mandatory = $true, ParameterSetName = 'ModulePrefix')] [string[]] $ModulePrefix
    )
    Write-StandInNoise 'Disconnect-ExchangeOnline'
    if ($PSCmdlet.ParameterSetName -ne 'DefaultParameterSet') {
        throw [System.NotImplementedException]::new("Disconnect-ExchangeOnline -$($PSCmdlet.ParameterSetName) is not modelled by the offline stand-in module")
    }
    if (-not $PSCmdlet.ShouldProcess('all Exchange Online connections', 'Disconnect')) { return }
    Disconnect-StandIn
}

function Get-EXOMailbox {
    [CmdletBinding(DefaultParameterSetName = 'Identity')]
    param(
        [Parameter(ParameterSetName = 'Identity', Position = 0)] [string] $Identity,
        [Parameter(ParameterSetName = 'Anr')] [string] $Anr,
        [switch] $Archive,
        [switch] $Async,
        [Parameter(ParameterSetName = 'Identity')] [guid] $ExternalDirectoryObjectId,
        [string] $Filter,
        [switch] $GroupMailbox,
        [switch] $InactiveMailboxOnly,
        [switch] $IncludeInactiveMailbox,
        [string] $MailboxPlan,
        [switch] $Migration,
        [string] $OrganizationalUnit,
        [Parameter(ParameterSetName = 'Identity')] [string] $PrimarySmtpAddress,
        [string[]] $Properties,
        [string[]] $PropertySets,
        [switch] $PublicFolder,
        [string[]] $RecipientTypeDetails,
        [object] $ResultSize,
        [switch] $SoftDeletedMailbox,
        [Parameter(ParameterSetName = 'Identity')] [string] $UserPrincipalName
    )
    # A cmdlet of the module itself (not a generated REST cmdlet): it exists before connecting.
    if (-not $script:Connection) { throw 'You must call Connect-ExchangeOnline before calling any other cmdlet.' }
    $r = Invoke-StandInCmdlet 'Get-EXOMailbox' $PSBoundParameters
    foreach ($o in $r.Objects) { $PSCmdlet.WriteObject($o) }
    foreach ($w in $r.Warnings) { $PSCmdlet.WriteWarning($w) }
    if ($r.Error) { $e = $r.Error; Write-ErrorMessage @e }
    if ($r.Transport) { $PSCmdlet.WriteError($r.Transport) }
}

Write-StandInNoise 'Import-Module'
Export-ModuleMember -Function Connect-ExchangeOnline, Disconnect-ExchangeOnline, Get-EXOMailbox
