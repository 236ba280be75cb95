#!/usr/bin/env bash
# Issue 18's telemetry cost: intake and $validate throughput with metrics and traces on (OTLP exporters aimed at a closed
# port on 127.0.0.1, so every export fails) against Telemetry__Enabled=false, in one run. Publishes the gateway once
# (Release; SQLite with durable commits), then for each round starts it twice on a fresh data folder, once on and once
# off (the order alternating round by round, so a change in the machine's load falls on both), and runs the load driver
# against each: sessions, then $validate of a sample Bundle. The "on" run is scraped at /metrics once at the end.
# Usage: tests/StmFhir.Benchmarks/Load/run-telemetry-compare.sh [--rounds 3] [--sessions 800] [--validate 1500] [--warmup 200] [--clients 16]
set -euo pipefail
cd "$(dirname "$0")/../../.."

rounds=3; sessions=800; validate=1500; warmup=200; clients=16
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --sessions) sessions="$2"; shift 2 ;;
    --validate) validate="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

source tests/StmFhir.Benchmarks/Load/compare-lib.sh
compare_build

run_one() {
  local telemetry="$1" round="$2"
  local port closed key
  port="$(free_port)"
  closed="$(free_port)" # bound and released at once: nothing listens there
  key="telemetry-compare-key-$(date +%s)"
  start_gateway "$port" "$work/data-$round-$telemetry" "$work/gateway-$round-$telemetry.log" STMFHIR_API_KEY="$key" Telemetry__Enabled="$telemetry" \
    OTEL_EXPORTER_OTLP_ENDPOINT="$([ "$telemetry" = true ] && echo "http://127.0.0.1:$closed" || echo "")"
  echo "=== round $round, telemetry $telemetry ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
  load_driver --url "http://127.0.0.1:$port" --key "$key" --sessions "$sessions" --validate "$validate" --warmup "$warmup" --clients "$clients"
  if [ "$telemetry" = true ]; then
    echo "  scraped: $(curl -fs "http://127.0.0.1:$port/metrics" | grep -E '^stmfhir_sessions_total' | tr '\n' ' ')"
  else
    echo "  /metrics when off: HTTP $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")"
  fi
  stop_gateway
}

alternate "$rounds" run_one
