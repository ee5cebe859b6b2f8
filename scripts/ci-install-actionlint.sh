#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) into .tools/bin of this repository, built
# from source with `go install` at a pinned version. Idempotent: does nothing when that version is
# already there. Needs Go >= 1.24 on PATH; the module is fetched through GOPROXY (default proxy.golang.org).
#   usage: bash scripts/ci-install-actionlint.sh    then: .tools/bin/actionlint
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION="v1.7.12"
bin_dir="$PWD/.tools/bin"

if [[ -x "$bin_dir/actionlint" ]] && [[ "$("$bin_dir/actionlint" -version 2>/dev/null | head -n1)" == "${ACTIONLINT_VERSION}" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "ci-install-actionlint: Go is not on PATH; install Go 1.24+ (https://go.dev/dl/) and rerun" >&2
  exit 1
fi
mkdir -p "$bin_dir"
echo "ci-install-actionlint: go install github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
"$bin_dir/actionlint" -version | head -n1
