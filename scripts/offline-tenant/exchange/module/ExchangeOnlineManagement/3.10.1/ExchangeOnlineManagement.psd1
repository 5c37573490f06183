# OFFLINE TEST DOUBLE — NOT Microsoft's ExchangeOnlineManagement module.
# A stand-in used only by exo-oauth's tests and benchmarks (the "real" PowerShell tier,
# docs/powershell-tier.md): it has the real module's name, version layout and commands so that
# shim.ps1 runs unchanged, and it talks to the offline Exchange double over loopback HTTP
# (EXO_SIM_REST_URL). It reaches no Microsoft service. Never publish or install it as the
# real module.
@{
    RootModule        = 'ExchangeOnlineManagement.psm1'
    ModuleVersion     = '3.10.1'
    GUID              = '5d1c6f8e-3c2a-4b7e-9a61-0e0f5f3a9b10'
    Author            = 'exo-oauth (test double)'
    CompanyName       = 'exo-oauth'
    Copyright         = 'MIT'
    Description       = 'OFFLINE TEST DOUBLE of ExchangeOnlineManagement for exo-oauth tests: Connect-ExchangeOnline, Disconnect-ExchangeOnline, Get-EXOMailbox and the REST cmdlets exo-oauth runs, served by a local Exchange double. Not Microsoft''s module; reaches no Microsoft service.'
    # The real manifest says 3.0 and enforces PowerShell 7.6 through its .NET 10 assemblies;
    # the stand-in refuses to load on PowerShell older than its version needs (see the .psm1).
    PowerShellVersion = '7.2'
    FunctionsToExport = @('Connect-ExchangeOnline', 'Disconnect-ExchangeOnline', 'Get-EXOMailbox')
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
    PrivateData       = @{ PSData = @{ Tags = @('TestDouble', 'exo-oauth') } }
}
