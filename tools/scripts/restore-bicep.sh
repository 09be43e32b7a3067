#!/usr/bin/env bash
# Restores the Linux Bicep CLI from NuGet into .tools/ and prints the path of its `bicep`
# executable on stdout (everything else goes to stderr). The CLI has no npm package and the
# machines reach no download site, but NuGet ships it as Azure.Bicep.CommandLine.linux-x64.
# Without dotnet it says so loudly and exits 0: the compiled-template test then skips, loudly.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE_ID="Azure.Bicep.CommandLine.linux-x64"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
PACKAGES="$TOOLS/nuget"
PROJECT_DIR="$TOOLS/bicep-restore"
PACKAGE_DIR="$PACKAGES/$(echo "$PACKAGE_ID" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION"

loud_skip() {
  {
    echo
    echo "################################################################################"
    echo "## SKIPPED: $1, Bicep templates were NOT compiled"
    echo "################################################################################"
    echo
  } >&2
  exit 0
}

find_bicep() { find "$PACKAGE_DIR" -type f -name bicep 2>/dev/null | head -n 1 || true; }

if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" ]]; then
  loud_skip "$PACKAGE_ID only runs on Linux x64 (this is $(uname -s) $(uname -m))"
fi

bicep="$(find_bicep)"
if [[ -z "$bicep" ]]; then
  command -v dotnet >/dev/null 2>&1 || loud_skip "dotnet not found"

  # A throwaway project: PackageDownload fetches the package without referencing it.
  mkdir -p "$PROJECT_DIR"
  cat >"$PROJECT_DIR/bicep-restore.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE_ID" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
PROJ
  echo "== restoring $PACKAGE_ID $BICEP_VERSION from NuGet into $PACKAGES" >&2
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$PROJECT_DIR/bicep-restore.csproj" --packages "$PACKAGES" --nologo -v quiet >&2
  bicep="$(find_bicep)"
  [[ -n "$bicep" ]] || { echo "ERROR: restored $PACKAGE_ID $BICEP_VERSION but found no bicep executable under $PACKAGE_DIR" >&2; exit 1; }
fi

chmod +x "$bicep"
echo "== $("$bicep" --version)" >&2
echo "$bicep"
