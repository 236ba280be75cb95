#!/usr/bin/env bash
# Times `stmfhir validate <one bundle>` as a whole process, cold, against the bare Firely validator's cold path,
# and reports the peak working set of each. Needs hyperfine (apt-get install -y hyperfine) and GNU time.
# Usage: tests/StmFhir.Benchmarks/Validation/cold-start.sh [bundle.json]
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=/tmp/stmfhir-cold
bundle=${1:-}
if [[ -z "$bundle" ]]; then
  bundle=$(ls samples/bundles/*.json 2>/dev/null | head -1 || true)
fi
if [[ -z "$bundle" ]]; then
  # No committed bundles yet: map the first session sample.
  mkdir -p "$out/bundles"
  dotnet run -c Release --project src/StmFhir.Cli -- map "$(ls samples/sessions/*.json | head -1)" --out "$out/bundles" >/dev/null
  bundle=$(ls "$out"/bundles/*.json | head -1)
fi

# ReadyToRun: precompiled native code for the CLI and its dependencies (Firely's assemblies are large; JIT-compiling
# them is most of a cold start).
dotnet publish src/StmFhir.Cli -c Release -r linux-x64 --self-contained false -o "$out/cli" -v q >/dev/null
dotnet build tests/StmFhir.Benchmarks -c Release -o "$out/bench" -v q >/dev/null
export STMFHIR_CACHE="$out/cache"

echo "== first run ever (empty cache: splits specification.zip and generates profile snapshots once)"
rm -rf "$STMFHIR_CACHE"
/usr/bin/time -f "   %e s, peak working set %M KiB" "$out/cli/stmfhir" validate "$bundle" >/dev/null

echo "== cold process, cache in place (every later run, and after a profile change only the small profiles entry is rebuilt)"
hyperfine --warmup 1 --runs 10 --export-json "$out/stmfhir.json" "$out/cli/stmfhir validate $bundle"
/usr/bin/time -f "   peak working set %M KiB" "$out/cli/stmfhir" validate "$bundle" >/dev/null

echo "== bare Firely validator, cold process (ZipSource with its extraction folder already filled)"
dotnet "$out/bench/StmFhir.Benchmarks.dll" cold-bare "$bundle" >/dev/null || true
hyperfine --warmup 1 --runs 5 -i --export-json "$out/bare.json" "dotnet $out/bench/StmFhir.Benchmarks.dll cold-bare $bundle"
/usr/bin/time -f "   peak working set %M KiB" dotnet "$out/bench/StmFhir.Benchmarks.dll" cold-bare "$bundle" >/dev/null || true

python3 - "$out" <<'PY'
import json, sys, statistics
out = sys.argv[1]
fast = statistics.median(json.load(open(f"{out}/stmfhir.json"))["results"][0]["times"])
bare = statistics.median(json.load(open(f"{out}/bare.json"))["results"][0]["times"])
print(f"median cold stmfhir validate: {fast:.3f} s; bare: {bare:.3f} s; ratio bare/stmfhir: {bare / fast:.1f}x")
PY
