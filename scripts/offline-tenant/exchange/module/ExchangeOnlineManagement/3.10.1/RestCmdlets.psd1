# The REST cmdlets the stand-in ExchangeOnlineManagement generates at Connect-ExchangeOnline
# (OFFLINE TEST DOUBLE, see ExchangeOnlineManagement.psd1). One entry per allow-listed cmdlet,
# with every parameter Microsoft documents for Exchange Online, its parameter sets, whether it
# is mandatory there and whether it is positional. Source: MicrosoftDocs/office-docs-powershell,
# exchange/exchange-ps/ExchangePowerShell/<cmdlet>.md ("Parameter Sets", "Required", "Position";
# parameters marked "Applicable" only to Exchange Server are left out). Exchange's own types
# (MailboxIdParameter, MailboxRights[], Unlimited, …) are declared [object]: like the real
# module's generated functions, values are converted on the server (rest-server.ts), so a bad
# value fails there, not in PowerShell's binder. ShouldProcess = the page documents -Confirm/-WhatIf; ConfirmImpact High = the cmdlet
# asks for confirmation unless -Confirm:$false (under -NonInteractive that is an error).
@{
    'Get-ServicePrincipal' = @{
        ShouldProcess = $false
        DefaultSet = $null
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'ServicePrincipalIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = 0 }) }
            @{ Name = 'Organization'; Type = 'object'; Doc = 'OrganizationIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'New-ServicePrincipal' = @{
        ShouldProcess = $true
        DefaultSet = 'ObjectId'
        ConfirmImpact = 'Medium'
        Parameters = @(
            # The page lists AppId, ObjectId and the deprecated ServiceId as all required in one set;
            # either identifies the Entra object, so they are two sets here (docs/powershell-tier.md).
            @{ Name = 'AppId'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = $null }) }
            @{ Name = 'ObjectId'; Type = 'string'; Doc = 'String'; In = @(@{ Set = 'ObjectId'; Mandatory = $true; Position = $null }) }
            @{ Name = 'ServiceId'; Type = 'string'; Doc = 'String'; In = @(@{ Set = 'ServiceId'; Mandatory = $true; Position = $null }) }
            @{ Name = 'DisplayName'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'Remove-ServicePrincipal' = @{
        ShouldProcess = $true
        DefaultSet = $null
        ConfirmImpact = 'High'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'ServicePrincipalIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = 0 }) }
        )
    }
    'Get-MailboxPermission' = @{
        ShouldProcess = $false
        DefaultSet = 'AccessRights'
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'MailboxIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = 0 }) }
            @{ Name = 'Credential'; Type = 'pscredential'; Doc = 'PSCredential'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'GroupMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeSoftDeletedUserPermissions'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeUnresolvedPermissions'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeUserWithDisplayName'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Owner'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Owner'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ReadFromDomainController'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ResultSize'; Type = 'object'; Doc = 'Unlimited'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SoftDeletedMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }) }
            @{ Name = 'UseCustomRouting'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'User'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }) }
        )
    }
    'Add-MailboxPermission' = @{
        ShouldProcess = $true
        DefaultSet = 'AccessRights'
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'MailboxIdParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = 0 }; @{ Set = 'Owner'; Mandatory = $true; Position = 0 }; @{ Set = 'Instance'; Mandatory = $true; Position = 0 }) }
            @{ Name = 'AccessRights'; Type = 'object[]'; Doc = 'MailboxRights[]'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = $null }; @{ Set = 'Instance'; Mandatory = $true; Position = $null }) }
            @{ Name = 'Owner'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = 'Owner'; Mandatory = $true; Position = $null }) }
            @{ Name = 'User'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = $null }; @{ Set = 'Instance'; Mandatory = $true; Position = $null }) }
            @{ Name = 'AutoMapping'; Type = 'bool'; Doc = 'Boolean'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Deny'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'GroupMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Owner'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IgnoreDefaultScope'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'InheritanceType'; Type = 'object'; Doc = 'ActiveDirectorySecurityInheritance'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
        )
    }
    'Remove-MailboxPermission' = @{
        ShouldProcess = $true
        DefaultSet = 'AccessRights'
        ConfirmImpact = 'High'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'MailboxIdParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = 0 }; @{ Set = 'Owner'; Mandatory = $true; Position = 0 }; @{ Set = 'ClearAutoMapping'; Mandatory = $true; Position = 0 }; @{ Set = 'ResetDefault'; Mandatory = $true; Position = 0 }) }
            @{ Name = 'AccessRights'; Type = 'object[]'; Doc = 'MailboxRights[]'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = $null }; @{ Set = 'Instance'; Mandatory = $true; Position = $null }) }
            @{ Name = 'User'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $true; Position = $null }; @{ Set = 'Instance'; Mandatory = $true; Position = $null }) }
            @{ Name = 'ClearAutoMapping'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'ClearAutoMapping'; Mandatory = $true; Position = $null }) }
            @{ Name = 'ResetDefault'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'ResetDefault'; Mandatory = $true; Position = $null }) }
            @{ Name = 'BypassMasterAccountSid'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Owner'; Mandatory = $false; Position = $null }; @{ Set = 'ClearAutoMapping'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Deny'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'GroupMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Owner'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IgnoreDefaultScope'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'InheritanceType'; Type = 'object'; Doc = 'ActiveDirectorySecurityInheritance'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }; @{ Set = 'Instance'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SoftDeletedMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AccessRights'; Mandatory = $false; Position = $null }) }
        )
    }
    'Get-RecipientPermission' = @{
        ShouldProcess = $false
        DefaultSet = $null
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'RecipientIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = 0 }) }
            @{ Name = 'AccessRights'; Type = 'object'; Doc = 'MultiValuedProperty'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeTrusteeWithPrimarySmtpAddress'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ReadFromDomainController'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ResultSize'; Type = 'object'; Doc = 'Unlimited'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Trustee'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'Add-RecipientPermission' = @{
        ShouldProcess = $true
        DefaultSet = $null
        ConfirmImpact = 'High'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'RecipientIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = 0 }) }
            @{ Name = 'AccessRights'; Type = 'object'; Doc = 'MultiValuedProperty'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = $null }) }
            @{ Name = 'Trustee'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = $null }) }
        )
    }
    'Remove-RecipientPermission' = @{
        ShouldProcess = $true
        DefaultSet = $null
        ConfirmImpact = 'High'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'RecipientIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = 0 }) }
            @{ Name = 'AccessRights'; Type = 'object'; Doc = 'MultiValuedProperty'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = $null }) }
            @{ Name = 'Trustee'; Type = 'object'; Doc = 'SecurityPrincipalIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $true; Position = $null }) }
            @{ Name = 'Deny'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'MultiTrustees'; Type = 'object'; Doc = 'MultiValuedProperty'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SkipDomainValidationForMailContact'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SkipDomainValidationForMailUser'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SkipDomainValidationForSharedMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'Get-Mailbox' = @{
        ShouldProcess = $false
        DefaultSet = 'Identity'
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'MailboxIdParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = 0 }) }
            @{ Name = 'Anr'; Type = 'string'; Doc = 'String'; In = @(@{ Set = 'AnrSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Archive'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Filter'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'GroupMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'InactiveMailboxOnly'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeAcceptMessagesOnlyFromWithDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeEmailAddressDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeForwardingAddressWithDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeGrantSendOnBehalfToWithDisplayNames'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IncludeInactiveMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'MailboxPlan'; Type = 'object'; Doc = 'MailboxPlanIdParameter'; In = @(@{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Migration'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'OrganizationalUnit'; Type = 'object'; Doc = 'OrganizationalUnitIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'PublicFolder'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'RecipientTypeDetails'; Type = 'object[]'; Doc = 'RecipientTypeDetails[]'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ResultSize'; Type = 'object'; Doc = 'Unlimited'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SoftDeletedMailbox'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = 'AnrSet'; Mandatory = $false; Position = $null }; @{ Set = 'Identity'; Mandatory = $false; Position = $null }; @{ Set = 'MailboxPlanSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SortBy'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'Get-CASMailbox' = @{
        ShouldProcess = $false
        DefaultSet = 'Identity'
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'MailboxIdParameter'; In = @(@{ Set = 'Identity'; Mandatory = $false; Position = 0 }) }
            @{ Name = 'ActiveSyncDebugLogging'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ActiveSyncSuppressReadReceipt'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Anr'; Type = 'string'; Doc = 'String'; In = @(@{ Set = 'AnrSet'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Credential'; Type = 'pscredential'; Doc = 'PSCredential'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'Filter'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'IgnoreDefaultScope'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'OrganizationalUnit'; Type = 'object'; Doc = 'OrganizationalUnitIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ProtocolSettings'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ReadIsOptimizedForAccessibility'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'RecalculateHasActiveSyncDevicePartnership'; Type = 'switch'; Doc = 'SwitchParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'RecipientTypeDetails'; Type = 'object[]'; Doc = 'RecipientTypeDetails[]'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'ResultSize'; Type = 'object'; Doc = 'Unlimited'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
            @{ Name = 'SortBy'; Type = 'string'; Doc = 'String'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = $null }) }
        )
    }
    'Get-TransportConfig' = @{
        ShouldProcess = $false
        DefaultSet = $null
        ConfirmImpact = 'Medium'
        Parameters = @(
            @{ Name = 'Identity'; Type = 'object'; Doc = 'OrganizationIdParameter'; In = @(@{ Set = '(All)'; Mandatory = $false; Position = 0 }) }
        )
    }
}
