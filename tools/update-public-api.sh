#!/usr/bin/env bash
# Adds every public symbol that the PublicAPI analyzer reports as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, in the exact form the analyzer expects.
#
# Why not `dotnet format analyzers --diagnostics RS0016`: on this repository its fix-all writes the
# PublicAPI file once per document, and only one document's additions survive a run. The compiler's SARIF
# error log carries each diagnostic's properties, among them the analyzer's own line for the symbol, so
# one build gives them all.
#
# Usage: tools/update-public-api.sh [project.csproj ...]   (default: every project with TrackPublicApi)
# Review the diff: a symbol you did not mean to make public should become internal instead.
set -euo pipefail
cd "$(dirname "$0")/.."

projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  mapfile -t projects < <(grep -l '<TrackPublicApi>true</TrackPublicApi>' src/*/*.csproj)
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

for project in "${projects[@]}"; do
  # Warnings stay warnings here, so a project that depends on one with undeclared symbols still compiles;
  # then the project alone is compiled again, since an up-to-date build would not run the compiler and
  # so would write no log.
  dotnet build "$project" -c Release -nologo -v quiet -p:TreatWarningsAsErrors=false >/dev/null || true
  dotnet build "$project" -c Release -nologo -v quiet -p:TreatWarningsAsErrors=false \
    --no-dependencies --no-incremental -p:PublicApiErrorLogDir="$logs" >/dev/null || true
done

python3 - "$logs" <<'PY'
import json, os, pathlib, sys
logs = pathlib.Path(sys.argv[1])
for sarif in sorted(logs.glob("*.sarif")):
    project_dir = None
    added = set()
    for run in json.loads(sarif.read_text(encoding="utf-8-sig"))["runs"]:
        for result in run.get("results", []):
            if result.get("ruleId") != "RS0016":
                continue
            props = result.get("properties", {}).get("customProperties", {})
            name = props.get("APIName")
            if name:
                added.add(name)
    if not added:
        continue
    project = sarif.stem
    unshipped = pathlib.Path("src") / project / "PublicAPI.Unshipped.txt"
    lines = unshipped.read_text(encoding="utf-8").splitlines() if unshipped.exists() else ["#nullable enable"]
    header = [l for l in lines if l.startswith("#")]
    body = sorted(set(l for l in lines if l and not l.startswith("#")) | added, key=lambda s: s.lower())
    unshipped.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    print(f"{unshipped}: {len(added)} symbol(s) added")
PY
