#!/usr/bin/env bash
# Tools `npm run bench` needs beyond setup.sh: vegeta (constant-rate load with HDR percentiles, built
# into .tools/bin at a pinned version by ci/install/go-install.sh), and the peer stack's venv
# (ci/install/bench-peer.sh, which setup.sh also runs). Idempotent: each part is skipped when
# its pinned version is already there. CI does not run benchmarks, so setup.sh does not call this.
#   usage: bash ci/install/bench-tools.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

VEGETA_VERSION="v12.13.0"
bash ci/install/go-install.sh vegeta "github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
bash ci/install/bench-peer.sh
