#!/usr/bin/env bash
# Tools `npm run bench` needs beyond setup.sh: vegeta (constant-rate load with HDR percentiles, built
# with `go install` into .tools/bin at a pinned version) and the Python venv of the peer stack the
# API is compared with (bench/peer: aiohttp + Gunicorn + uvloop + PyMongo async) in .venv/bench-peer.
# Idempotent: each part is skipped when its pinned version is already there. Not part of CI's test
# run (benchmarks are not run in CI); setup.sh does not call it.
#   usage: bash scripts/ci-install-bench-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VEGETA_VERSION="v12.13.0"
bin_dir="$PWD/.tools/bin"
venv="$PWD/.venv/bench-peer"
requirements="bench/peer/requirements.txt"

if ! { [[ -x "$bin_dir/vegeta" ]] && [[ "$(cat "$bin_dir/.vegeta-version" 2>/dev/null)" == "$VEGETA_VERSION" ]]; }; then
  if ! command -v go >/dev/null 2>&1; then
    echo "ci-install-bench-tools: Go is not on PATH; install Go 1.22+ and rerun" >&2
    exit 1
  fi
  mkdir -p "$bin_dir"
  echo "ci-install-bench-tools: go install github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
  GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
  echo "$VEGETA_VERSION" > "$bin_dir/.vegeta-version"
fi

# The stamp is the requirements file itself: any pin change rebuilds the venv.
if ! cmp -s "$requirements" "$venv/.requirements.txt" 2>/dev/null; then
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "ci-install-bench-tools: python3 >= 3.9 is needed for the peer stack" >&2
    exit 1
  fi
  echo "ci-install-bench-tools: creating $venv from $requirements"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
  cp "$requirements" "$venv/.requirements.txt"
fi
