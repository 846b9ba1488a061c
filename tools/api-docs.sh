#!/usr/bin/env bash
# Generates the API reference of the packed libraries (RaySharp, RaySharp.Hosting, RaySharp.Util,
# RaySharp.Tune) as markdown from their XML docs, with docfx (a local tool: .config/dotnet-tools.json),
# into artifacts/api/ (one page per type; the namespaces' pages list them). Generated, so not committed:
# the XML docs in the sources are the text to edit.
#
# Usage: tools/api-docs.sh [output-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/api}

dotnet tool restore >/dev/null
rm -rf artifacts/api
dotnet docfx metadata docs/api/docfx.json
if [ "$out" != artifacts/api ]; then
  mkdir -p "$out"
  cp -r artifacts/api/. "$out"
fi
echo "API reference: $out ($(find "$out" -name '*.md' | wc -l) pages)"
