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

source tests/StmFhir.Benchmarks/Load/compare-lib.sh
compare_build

run_one() {
  local audit="$1" round="$2"
  local port key data
  port="$(free_port)"
  key="audit-compare-key-$(date +%s)"
  data="$work/data-$round-$audit"
  start_gateway "$port" "$data" "$work/gateway-$round-$audit.log" STMFHIR_API_KEY="$key" Audit__Enabled="$audit"
  echo "=== round $round, audit $audit ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  load_driver --url "http://127.0.0.1:$port" --key "$key" --sessions "$sessions" --reads "$reads" --warmup "$warmup" --validate 0 --clients "$clients"
  stop_gateway
  if [ "$audit" = true ]; then
    echo "  audit rows: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from audit_event').fetchone()[0])" "$data/stmfhir.db")"
  fi
}

alternate "$rounds" run_one
