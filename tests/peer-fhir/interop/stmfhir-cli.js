'use strict';
// The StmFhir command line, built from this checkout and run as a user runs it: `stmfhir package` writes the FHIR
// package whose StructureDefinitions the interop tests hand to Medplum, `stmfhir validate` gives the engine's report.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const REPO = path.resolve(__dirname, '..', '..', '..');
const PROJECT = path.join(REPO, 'src', 'StmFhir.Cli');

let cliDll;

/** Builds src/StmFhir.Cli (Release, incremental) once per process and returns the path of stmfhir.dll. */
function buildCli() {
  if (cliDll) {
    return cliDll;
  }
  execFileSync('dotnet', ['build', PROJECT, '-c', 'Release', '--nologo', '-v', 'q'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const release = path.join(PROJECT, 'bin', 'Release');
  const target = fs.readdirSync(release).filter((d) => fs.existsSync(path.join(release, d, 'stmfhir.dll'))).sort().pop();
  if (!target) {
    throw new Error(`stmfhir.dll not found under ${release} after the build`);
  }
  cliDll = path.join(release, target, 'stmfhir.dll');
  return cliDll;
}

/** Runs `stmfhir <args>` from the repository root; returns { status, stdout, stderr }. */
function stmfhir(...args) {
  const run = spawnSync('dotnet', [buildCli(), ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    throw run.error;
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `stmfhir package --out <file>`; returns the package's files by name (package/...), as Buffers. */
function writePackage(file) {
  const run = stmfhir('package', '--out', file);
  if (run.status !== 0) {
    throw new Error(`stmfhir package exited ${run.status}: ${run.stderr}`);
  }
  return untar(zlib.gunzipSync(fs.readFileSync(file)));
}

/**
 * `stmfhir validate --format json <paths>`: one OperationOutcome per file (meta.source = the path given), as a map
 * from the absolute path to its issues { severity, code, expression }. Exit code 1 (errors found) is expected.
 */
function validate(paths) {
  const run = stmfhir('validate', '--format', 'json', ...paths);
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`stmfhir validate exited ${run.status}: ${run.stderr}`);
  }
  const reports = new Map();
  for (const line of run.stdout.split('\n').filter((l) => l.trim())) {
    const outcome = JSON.parse(line);
    reports.set(path.resolve(REPO, outcome.meta.source), (outcome.issue ?? [])
      .filter((i) => i.severity !== 'information')
      .map((i) => ({ severity: i.severity, code: (i.details?.coding ?? []).map((c) => c.code).find((c) => /^(STM|FIRELY)-/.test(c)), expression: i.expression?.[0] ?? null })));
  }
  return reports;
}

// A ustar archive: 512-byte headers (name at 0, octal size at 124), contents padded to 512 bytes, two empty blocks.
function untar(buffer) {
  const files = new Map();
  for (let offset = 0; offset + 512 <= buffer.length;) {
    const name = buffer.toString('utf8', offset, offset + 100).replace(/\0.*$/s, '');
    if (!name) {
      break;
    }
    const size = parseInt(buffer.toString('utf8', offset + 124, offset + 136).replace(/\0.*$/s, '').trim(), 8);
    files.set(name, buffer.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

module.exports = { REPO, stmfhir, writePackage, validate };
