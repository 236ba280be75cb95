# Shared by the run-*-compare.sh scripts (sourced, not run): one published gateway started again per run on a fresh
# data folder, on and off alternated round by round so that a change in the machine's load falls on both.

work="$(mktemp -d)"
gateway=""
trap 'if [ -n "$gateway" ]; then kill $gateway 2>/dev/null || true; wait $gateway 2>/dev/null || true; fi; rm -rf "$work"' EXIT

# Publishes the gateway (Release; SQLite with durable commits) into $work/gateway and builds the load driver.
compare_build() {
  dotnet publish src/StmFhir.Gateway -c Release -o "$work/gateway" --nologo -v q
  dotnet build tests/StmFhir.Benchmarks -c Release --nologo -v q
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_gateway PORT DATA LOG [NAME=VALUE...]: starts the published gateway with those variables, sets $gateway, and
# waits (up to 2 minutes) for /readyz.
start_gateway() {
  local port="$1" data="$2" log="$3"; shift 3
  (cd "$work" && exec env ASPNETCORE_URLS="http://127.0.0.1:$port" STMFHIR_DATA_DIR="$data" "$@" \
    dotnet "$work/gateway/StmFhir.Gateway.dll" > "$log" 2>&1) &
  gateway=$!
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; then break; fi
    sleep 1
  done
}

stop_gateway() { kill $gateway; wait $gateway 2>/dev/null || true; gateway=""; }

# load_driver ARGS...: the load driver against the running gateway, its phase and CPU lines only.
load_driver() {
  dotnet tests/StmFhir.Benchmarks/bin/Release/net10.0/StmFhir.Benchmarks.dll load --pid "$gateway" "$@" | grep -E "^(POST|GET|  CPU)"
}

# alternate ROUNDS FUNCTION: FUNCTION true|false ROUND, "true" first in odd rounds and "false" first in even ones.
alternate() {
  local round
  for round in $(seq 1 "$1"); do
    if [ $((round % 2)) -eq 1 ]; then "$2" true "$round"; "$2" false "$round"; else "$2" false "$round"; "$2" true "$round"; fi
  done
}
