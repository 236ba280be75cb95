#!/usr/bin/env bash
# Runs the Dockerfile's steps without Docker (no engine here) on a clean folder, then times a cold start of the gateway
# to /readyz the way a new container starts: published ReadyToRun, the validation cache filled at "image build", a
# fresh HOME, an empty data folder. Also runs the image's HEALTHCHECK command against it.
# Usage: tests/container/start-like-image.sh [runs]   (default 5 cold starts; prints each and the median)
# With FIRST_LOAD=N, each start is followed at once by N sessions from the load driver (16 clients), to see how fast a
# just-ready gateway serves (e.g. FIRST_LOAD=1500 Fhir__ValidationWarmUp=00:00:01 tests/container/start-like-image.sh 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
out=$(mktemp -d /tmp/stmfhir-image-XXXXXX)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$out"' EXIT

echo "== build steps (restore, publish ReadyToRun) into $out/app"
dotnet publish src/StmFhir.Gateway -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/app" -v q >/dev/null
dotnet publish src/StmFhir.Cli -c Release -r linux-x64 --self-contained false -o "$out/app/cli" -v q >/dev/null
if [[ -n "${FIRST_LOAD:-}" ]]; then dotnet build tests/StmFhir.Benchmarks -c Release -v q >/dev/null; fi
echo "== validation cache at image build time"
STMFHIR_CACHE="$out/app/validation-cache" HOME="$out/build-home" "$out/app/cli/stmfhir" validate samples/bundles/03-achilles-tendinitis-manual.json >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
times=()
for i in $(seq 1 "$runs"); do
  rm -rf "$out/data" "$out/home"; mkdir -p "$out/data" "$out/home"
  start=$(date +%s.%N)
  (cd "$out/app" && HOME="$out/home" ASPNETCORE_URLS="http://127.0.0.1:$port" STMFHIR_DATA_DIR="$out/data" \
     Fhir__ValidationWarmUp="${Fhir__ValidationWarmUp:-00:00:01}" \
     STMFHIR_CACHE="$out/app/validation-cache" STMFHIR_API_KEY=container-start-key-0001 \
     exec dotnet StmFhir.Gateway.dll >"$out/gateway-$i.log" 2>&1) &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "the gateway exited:"; tail -20 "$out/gateway-$i.log"; exit 1; }
    sleep 0.05
  done
  ready=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
  times+=("$ready")
  echo "   cold start $i: ready after $ready s"
  if [[ $i == 1 ]]; then
    # The image's HEALTHCHECK, as Docker runs it (bash alone, no curl in the runtime image).
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && head -1 <&3 | grep -q ' 200 '" \
      && echo "   HEALTHCHECK command: healthy" || { echo "   HEALTHCHECK command failed"; exit 1; }
    grep -q "Validation cache:" "$out/gateway-$i.log" && { echo "   the cache was filled at start: the image's cache was not used"; exit 1; }
  fi
  if [[ -n "${FIRST_LOAD:-}" ]]; then
    dotnet tests/StmFhir.Benchmarks/bin/Release/net10.0/StmFhir.Benchmarks.dll load --url "http://127.0.0.1:$port" \
      --key container-start-key-0001 --pid "$pid" --sessions "$FIRST_LOAD" --warmup 0 --validate 0 --clients 16 | grep -E "^POST|  CPU" | sed 's/^/   /'
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median time to /readyz: %s s (range %s-%s s, %d cold starts)\n", a[int((NR+1)/2)], a[1], a[NR], NR}'
