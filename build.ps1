# Thin wrapper over the same dotnet commands as ./mlip and tests/run-all.sh, for Windows/pwsh users.
#   ./build.ps1            build the CLI (Release) into artifacts/cli
#   ./build.ps1 test       run all tests
#   ./build.ps1 run eval --potential ... (run the CLI)
param([string]$Task = "build", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest)
$ErrorActionPreference = "Stop"
$Root = $PSScriptRoot
switch ($Task) {
  "build" { dotnet build "$Root/src/MlipEngine.Cli/MlipEngine.Cli.csproj" -c Release -o "$Root/artifacts/cli" }
  "test"  { dotnet test "$Root/MlipEngine.sln" -c Release }
  "run"   {
    if (-not (Test-Path "$Root/artifacts/cli/mlip.dll")) { dotnet build "$Root/src/MlipEngine.Cli/MlipEngine.Cli.csproj" -c Release -o "$Root/artifacts/cli" }
    dotnet "$Root/artifacts/cli/mlip.dll" @Rest
  }
  default { Write-Error "unknown task '$Task' (build, test, run)" }
}
