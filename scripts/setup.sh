#!/usr/bin/env bash
# Set-up of a fresh Debian/Ubuntu machine for this repository: system packages the tests run for real
# (nginx, wrk, Java + Maven for the MongoDB-wire server), npm dependencies, the test server's jars,
# actionlint (Go) and Terraform (offline expression evaluation only).
# Idempotent; uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"

missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash scripts/ci-install-nginx.sh >/dev/null

# npm ci: exactly the lockfile. Install scripts are not needed (swc and esbuild ship per-platform packages).
npm ci --no-audit --no-fund

bash scripts/ci-install-mongo-wire.sh     # MongoDB-wire test server (mongo-java-server from Maven Central)
bash scripts/ci-install-actionlint.sh    # workflow linter, built with `go install`
bash scripts/ci-install-terraform.sh     # `terraform console` evaluates the Cloud Armor chunking offline
bash scripts/ci-install-bench-peer.sh    # the seed's Python stack (bench/peer), for its parity test
echo "setup: done"
