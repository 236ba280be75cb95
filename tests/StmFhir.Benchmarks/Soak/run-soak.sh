#!/usr/bin/env bash
# Issue 5's bounded soak: builds the gateway and the driver (Release), then runs Soak/SoakRun.cs, which starts the test
# peer and the gateway itself, posts the sessions with 20 % injected 503s and two SIGKILLs of the gateway, waits for the
# drain and counts what arrived at the peer. Usage: tests/StmFhir.Benchmarks/Soak/run-soak.sh [sessions] [--clients C] [--kills K]
set -euo pipefail
cd "$(dirname "$0")/../../.."
[ -d tests/peer-fhir/node_modules/@medplum/fhir-router ] || npm ci --prefix tests/peer-fhir --no-audit --no-fund
dotnet build tests/StmFhir.Benchmarks -c Release --nologo -v q
exec dotnet tests/StmFhir.Benchmarks/bin/Release/net10.0/StmFhir.Benchmarks.dll soak "$@"
