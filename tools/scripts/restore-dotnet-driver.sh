#!/usr/bin/env bash
# Builds test/dotnet/ServiceBusDriver (Azure.Messaging.ServiceBus from NuGet, the SDK inside the Functions host's
# Service Bus extension) into .tools/dotnet-driver and prints the path of its dll on stdout (everything else goes
# to stderr). A stamp of the sources skips the build when nothing changed, so test reruns cost no build.
# Without dotnet it says so loudly and exits 0, printing nothing: the .NET SDK test then skips, loudly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT="$ROOT/test/dotnet/ServiceBusDriver"
ARTIFACTS="$ROOT/.tools/dotnet-driver"
DLL="$ARTIFACTS/bin/ServiceBusDriver/debug/ServiceBusDriver.dll"
STAMP="$ARTIFACTS/sources.sha256"

loud_skip() {
  {
    echo
    echo "################################################################################"
    echo "## SKIPPED: $1, the development broker was NOT tested with the .NET SDK"
    echo "################################################################################"
    echo
  } >&2
  exit 0
}

command -v dotnet >/dev/null 2>&1 || loud_skip "dotnet not found"

sources="$(cd "$PROJECT" && cat ServiceBusDriver.csproj Program.cs | sha256sum | cut -d' ' -f1)"
if [[ -f "$DLL" && -f "$STAMP" && "$(cat "$STAMP")" == "$sources" ]]; then
  echo "$DLL"
  exit 0
fi

echo "== building the .NET Service Bus driver (NuGet restore + build) into $ARTIFACTS" >&2
started=$SECONDS
# --artifacts-path keeps bin/ and obj/ out of test/ (and so out of git and the deploy package).
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  dotnet build "$PROJECT/ServiceBusDriver.csproj" --artifacts-path "$ARTIFACTS" --nologo -v quiet -clp:ErrorsOnly >&2
[[ -f "$DLL" ]] || { echo "ERROR: built the driver but found no $DLL" >&2; exit 1; }
echo "$sources" >"$STAMP"
echo "== driver built in $((SECONDS - started)) s" >&2
echo "$DLL"
