#!/usr/bin/env bash
# Issue 4's loopback load run: publishes the gateway (Release), starts it on a free loopback port with a fresh SQLite
# folder, runs the load driver (16 clients; 10,000 sessions, then $validate), prints the figures and stops the gateway.
# Usage: tests/StmFhir.Benchmarks/Load/run-load.sh [--sessions N] [--validate M] [--clients C]
set -euo pipefail
cd "$(dirname "$0")/../../.."

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
key="load-run-key-$(date +%s)"

dotnet publish src/StmFhir.Gateway -c Release -o "$work/gateway" --nologo -v q
dotnet build tests/StmFhir.Benchmarks -c Release --nologo -v q

(cd "$work" && ASPNETCORE_URLS="http://127.0.0.1:$port" STMFHIR_DATA_DIR="$work/data" STMFHIR_API_KEY="$key" \
  exec dotnet "$work/gateway/StmFhir.Gateway.dll" > "$work/gateway.log" 2>&1) &
gateway=$!
trap 'kill $gateway 2>/dev/null || true; wait $gateway 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; then break; fi
  sleep 1
done
curl -s "http://127.0.0.1:$port/readyz"; echo

dotnet tests/StmFhir.Benchmarks/bin/Release/net10.0/StmFhir.Benchmarks.dll load \
  --url "http://127.0.0.1:$port" --key "$key" --pid "$gateway" "$@"
echo "SQLite files:"; ls -la "$work/data" | tail -n +2
