#!/usr/bin/env bash
# Builds a real Prometheus server and promtool for the alert-rule checks (promtool check/test rules)
# and the e2e run (a Prometheus scraping the real pods' metrics ports), from the Go module proxy:
# github.com/prometheus/prometheus at a pinned version (module v0.316.0 is Prometheus 3.16.0; the
# project tags its Go module v0.<major><minor>.<patch>).
#
# The server is built without the `builtinassets` tag: its web UI's compiled assets are not part of the
# module (npm builds them), and the checks here only use the HTTP API, never the UI.
#
# Binaries land in a cache outside the repository, keyed by version (go-build-cache.sh), so a warm
# machine does not rebuild:  ${XDG_CACHE_HOME:-$HOME/.cache}/isoscribe/prometheus/<version>/{prometheus,promtool}
# Idempotent: does nothing when both are there. Needs Go >= 1.26.7 on PATH (the module's go.mod).
#   usage: bash ci/install/prometheus.sh               prints the binary directory on its last line
#          bash ci/install/prometheus.sh --print-dir   only prints that directory (the tests use it)
set -euo pipefail

PROMETHEUS_MODULE_VERSION="v0.316.0"
# shellcheck source=ci/install/go-build-cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build-cache.sh"
go_build_cache_open prometheus "$PROMETHEUS_MODULE_VERSION" 1.26.7 "${1:-}" promtool prometheus
# The module's go.mod has no replace directives, so `go install pkg@version` builds it as released.
for b in promtool prometheus; do
  echo "ci-install-prometheus: building $b"
  GOBIN="$work" GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/$b@${PROMETHEUS_MODULE_VERSION}"
done
"$work/promtool" --version >/dev/null
go_build_cache_commit
