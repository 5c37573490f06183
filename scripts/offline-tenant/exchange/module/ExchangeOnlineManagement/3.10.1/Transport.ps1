# OFFLINE TEST DOUBLE (see ExchangeOnlineManagement.psd1): the stand-in's REST transport and
# the temporary module of REST cmdlets Connect-ExchangeOnline builds. Dot-sourced by the .psm1.
#
# Like the real module (docs/powershell-tier.md, "What the stand-in models"):
# - each REST cmdlet is a function generated at connect, only for the commands the caller may
#   run (and only those named in -CommandName); before connect they do not exist;
# - a call is POST <base>/adminapi/beta/<tenant>/InvokeCommand with
#   { CmdletInput: { CmdletName, Parameters } }; objects come back in `value` and are written as
#   PSCustomObjects typed "Deserialized.<Exchange type>", warnings in `@adminapi.warnings` go to
#   the warning stream, a refused cmdlet is an error record written by Write-ErrorMessage whose
#   message is Exchange's `ExNNNNNN|<Type>|<text>`;
# - HTTP 429 (after Retry-After) and 5xx are re-sent by the module itself, EXO_SIM_MODULE_RETRIES
#   times, before an error `Error while querying REST service. HttpStatusCode=<n> …` is raised.

$script:Http = [System.Net.Http.HttpClient]::new()
$script:Http.Timeout = [TimeSpan]::FromMinutes(5)

# One HTTP exchange with the double: returns status, headers (name → first value) and parsed body.
function Send-StandInRequest([string] $Method, [string] $Path, $Body, [hashtable] $Headers = @{}) {
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $script:BaseUrl + $Path)
    foreach ($k in $Headers.Keys) { $null = $request.Headers.TryAddWithoutValidation($k, [string]$Headers[$k]) }
    if ($null -ne $Body) {
        $json = ConvertTo-Json -InputObject $Body -Depth 20 -Compress -EnumsAsStrings
        $request.Content = [System.Net.Http.StringContent]::new($json, [System.Text.UTF8Encoding]::new($false), 'application/json')
    }
    $response = $script:Http.SendAsync($request).GetAwaiter().GetResult()
    $bytes = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
    $text = [System.Text.Encoding]::UTF8.GetString($bytes)
    $headersOut = @{}
    foreach ($h in @($response.Headers) + @($response.Content.Headers)) { $headersOut[$h.Key.ToLowerInvariant()] = @($h.Value)[0] }
    $parsed = $null
    if ($text -and $headersOut['content-type'] -like 'application/json*') { $parsed = ConvertFrom-Json -InputObject $text }
    [pscustomobject]@{ Status = [int]$response.StatusCode; Headers = $headersOut; Text = $text; Body = $parsed }
}

# The record the real module's Write-ErrorMessage writes (it is defined in the temporary
# module, next to the cmdlets, so a cmdlet's -ErrorAction applies to it): message
# ExNNNNNN|Type|text, CategoryInfo NotSpecified (Activity = the cmdlet, Reason = Exchange's
# short type name), FullyQualifiedErrorId "[Server=…,RequestId=…,TimeStamp=…],Write-ErrorMessage".
$script:WriteErrorMessageText = @'
function Write-ErrorMessage {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Message, [string] $CmdletName, [string] $RequestId, [string] $Date)
    $type = if ($Message -match '^(?:Ex[0-9A-Fa-f]{6})?\|([^|]+)\|') { $Matches[1] } else { 'Exception' }
    $record = [System.Management.Automation.ErrorRecord]::new(
        [System.Exception]::new($Message), "[Server=EXOSIMBE01,RequestId=$RequestId,TimeStamp=$Date]",
        [System.Management.Automation.ErrorCategory]::NotSpecified, $null)
    $record.CategoryInfo.Activity = $CmdletName
    $record.CategoryInfo.Reason = $type.Split('.')[-1]
    $PSCmdlet.WriteError($record)
}
'@

# One REST call for a generated cmdlet ($Bound = its $PSBoundParameters). Returns what the
# cmdlet must write: Objects, Warnings, and Error (Exchange refused) or Transport (HTTP failure
# the module gave up on); the cmdlet writes them itself, so its common parameters apply.
function Invoke-StandInCmdlet([string] $Name, [hashtable] $Bound) {
    $ProgressPreference = 'SilentlyContinue'
    if (-not $script:Connection) { throw 'You must call Connect-ExchangeOnline before calling any other cmdlet.' }
    Write-StandInNoise $Name
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $modelled = $script:Connection.Commands[$Name]
    $parameters = [ordered]@{}
    foreach ($key in $Bound.Keys) {
        if ($common -contains $key -and $key -notin 'Confirm', 'WhatIf') { continue }
        if ($modelled -notcontains $key) {
            throw [System.NotImplementedException]::new(
                "$Name -$key is a documented parameter that the offline Exchange double does not model (docs/powershell-tier.md)")
        }
        $v = $Bound[$key]
        $parameters[$key] = if ($v -is [switch]) { $v.IsPresent } else { $v }
    }
    $c = $script:Connection
    $headers = @{
        Authorization         = "Bearer $($c.Token)"
        'connection-id'       = $c.ConnectionId
        'X-ClientApplication' = 'ExoManagementModule'
        'X-ResponseFormat'    = 'json'
        'X-CmdletName'        = $Name
    }
    $body = @{ CmdletInput = @{ CmdletName = $Name; Parameters = $parameters } }
    for ($attempt = 0; ; $attempt++) {
        $r = Send-StandInRequest 'POST' "/adminapi/beta/$($c.TenantId)/InvokeCommand" $body $headers
        if ($r.Headers['x-exosim-crash']) {
            # Fault crashAfter: the call was committed; this process dies without answering.
            [Console]::Error.WriteLine("exchange-sim: $($r.Headers['x-exosim-crash'])")
            [Console]::Error.Flush()
            [Environment]::Exit(1)
        }
        $transient = $r.Status -eq 429 -or $r.Status -ge 500
        if (-not $transient -or $attempt -ge $c.Retries) { break }
        $wait = if ($r.Status -eq 429 -and $r.Headers['retry-after']) { [int]$r.Headers['retry-after'] * 1000 } else { 200 * ($attempt + 1) }
        Start-Sleep -Milliseconds $wait
    }
    $out = [pscustomobject]@{ Objects = @(); Warnings = @(); Error = $null; Transport = $null }
    if ($r.Status -eq 200) {
        $type = $c.TypeNames[$Name]
        $out.Objects = @(foreach ($o in @($r.Body.value)) {
                if ($null -eq $o) { continue }
                if ($type) { $o.PSObject.TypeNames.Insert(0, "Deserialized.$type") }
                $o
            })
        $out.Warnings = @(foreach ($w in @($r.Body.'@adminapi.warnings')) { if ($w) { [string]$w } })
    } elseif ($r.Status -eq 429 -or $r.Status -ge 500) {
        $record = [System.Management.Automation.ErrorRecord]::new(
            [System.Exception]::new("Error while querying REST service. HttpStatusCode=$($r.Status) ErrorMessage=$($r.Text)"),
            'An error occurred while processing this request.', [System.Management.Automation.ErrorCategory]::ProtocolError, $null)
        $record.CategoryInfo.Reason = 'RestClientException'
        $out.Transport = $record
    } else {
        $detail = if ($r.Body -and $r.Body.error -and $r.Body.error.PSObject.Properties['details']) { @($r.Body.error.details)[0] } else { $null }
        $message = if ($detail -and $detail.message) { $detail.message } elseif ($r.Body -and $r.Body.error) { $r.Body.error.message } else { "HttpStatusCode=$($r.Status) $($r.Text)" }
        $out.Error = @{ Message = $message; CmdletName = $Name; RequestId = $r.Headers['request-id']; Date = $r.Headers['date'] }
    }
    $out
}

# The text of one generated REST cmdlet, from its RestCmdlets.psd1 entry.
function New-RestCmdletText([string] $Name, [hashtable] $Spec) {
    $binding = @()
    if ($Spec.DefaultSet) { $binding += "DefaultParameterSetName = '$($Spec.DefaultSet)'" }
    if ($Spec.ShouldProcess) { $binding += 'SupportsShouldProcess = $true'; $binding += "ConfirmImpact = '$($Spec.ConfirmImpact)'" }
    $params = foreach ($p in $Spec.Parameters) {
        $attributes = foreach ($in in $p.In) {
            $parts = @()
            if ($in.Set -ne '(All)') { $parts += "ParameterSetName = '$($in.Set)'" }
            if ($in.Mandatory) { $parts += 'Mandatory = $true' }
            if ($null -ne $in.Position) { $parts += "Position = $($in.Position)" }
            "[Parameter($($parts -join ', '))]"
        }
        "        $($attributes -join ' ') [$($p.Type)] `$$($p.Name)"
    }
    $confirm = if ($Spec.ShouldProcess) {
        "    if (-not `$PSCmdlet.ShouldProcess([string]`$PSBoundParameters['Identity'], '$Name')) { return }`n"
    } else { '' }
    "function $Name {`n    [CmdletBinding($($binding -join ', '))]`n    param(`n$($params -join ",`n")`n    )`n" +
    "    end {`n$confirm        `$r = & `$script:Invoke '$Name' `$PSBoundParameters`n" +
    "        foreach (`$o in `$r.Objects) { `$PSCmdlet.WriteObject(`$o) }`n" +
    "        foreach (`$w in `$r.Warnings) { `$PSCmdlet.WriteWarning(`$w) }`n" +
    "        if (`$r.Error) { `$e = `$r.Error; Write-ErrorMessage @e }`n" +
    "        if (`$r.Transport) { `$PSCmdlet.WriteError(`$r.Transport) }`n    }`n}`n"
}

# Import the REST cmdlets `Names` as a global temporary module, written like the real module's
# to the temp directory as tmpEXO_<random>/tmpEXO_<random>.psm1 (public transcripts show that path).
function Import-RestCmdlets([string[]] $Names) {
    $text = ($Names | ForEach-Object { New-RestCmdletText $_ $script:Spec[$_] }) -join "`n"
    $name = 'tmpEXO_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) $name
    $null = New-Item -ItemType Directory -Path $dir -Force
    $file = Join-Path $dir "$name.psm1"
    $exports = ($Names | ForEach-Object { "'$_'" }) -join ', '
    [System.IO.File]::WriteAllText($file, "param(`$Invoke)`n`$script:Invoke = `$Invoke`n$script:WriteErrorMessageText`n$text`nExport-ModuleMember -Function @($exports)`n")
    Import-Module $file -Global -PassThru -DisableNameChecking -Force -ArgumentList ${function:Invoke-StandInCmdlet}
}
