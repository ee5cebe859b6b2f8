#!/usr/bin/env bash
# Tools `npm run bench` needs beyond setup.sh: vegeta (constant-rate load with HDR percentiles, built
# with `go install` into .tools/bin at a pinned version), and the peer stack's venv
# (scripts/ci-install-bench-peer.sh, which setup.sh also runs). Idempotent: each part is skipped when
# its pinned version is already there. CI does not run benchmarks, so setup.sh does not call this.
#   usage: bash scripts/ci-install-bench-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VEGETA_VERSION="v12.13.0"
bin_dir="$PWD/.tools/bin"

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

bash scripts/ci-install-bench-peer.sh
