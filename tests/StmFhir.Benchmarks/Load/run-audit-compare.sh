#!/usr/bin/env bash
# Issue 16's audit cost: intake and read throughput with the audit trail on against off, in one run. Publishes the gateway
# once (Release; SQLite with durable commits), then for each round starts it twice on a fresh data folder, once with
# Audit__Enabled=true and once with false (the order alternating round by round, so a change in the machine's load falls
# on both), and runs the load driver against each: sessions, then searches and reads of the Procedures just stored.
# Usage: tests/StmFhir.Benchmarks/Load/run-audit-compare.sh [--rounds 3] [--sessions 2000] [--reads 3000] [--warmup 500] [--clients 16]
set -euo pipefail
cd "$(dirname "$0")/../../.."

rounds=3; sessions=2000; reads=3000; warmup=500; clients=16
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --sessions) sessions="$2"; shift 2 ;;
    --reads) reads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
gateway=""
trap 'if [ -n "$gateway" ]; then kill $gateway 2>/dev/null || true; wait $gateway 2>/dev/null || true; fi; rm -rf "$work"' EXIT

dotnet publish src/StmFhir.Gateway -c Release -o "$work/gateway" --nologo -v q
dotnet build tests/StmFhir.Benchmarks -c Release --nologo -v q

run_one() {
  local audit="$1" round="$2"
  local port key data
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  key="audit-compare-key-$(date +%s)"
  data="$work/data-$round-$audit"
  (cd "$work" && ASPNETCORE_URLS="http://127.0.0.1:$port" STMFHIR_DATA_DIR="$data" STMFHIR_API_KEY="$key" Audit__Enabled="$audit" \
    exec dotnet "$work/gateway/StmFhir.Gateway.dll" > "$work/gateway-$round-$audit.log" 2>&1) &
  gateway=$!
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; then break; fi
    sleep 1
  done
  echo "=== round $round, audit $audit ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  dotnet tests/StmFhir.Benchmarks/bin/Release/net10.0/StmFhir.Benchmarks.dll load --url "http://127.0.0.1:$port" --key "$key" --pid "$gateway" \
    --sessions "$sessions" --reads "$reads" --warmup "$warmup" --validate 0 --clients "$clients" | grep -E "^(POST|GET|  CPU)"
  kill $gateway; wait $gateway 2>/dev/null || true; gateway=""
  if [ "$audit" = true ]; then
    echo "  audit rows: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from audit_event').fetchone()[0])" "$data/stmfhir.db")"
  fi
}

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then run_one true "$round"; run_one false "$round"; else run_one false "$round"; run_one true "$round"; fi
done
