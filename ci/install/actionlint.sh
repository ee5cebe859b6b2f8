#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) into .tools/bin of this repository, built
# from source at a pinned version (ci/install/go-install.sh: idempotent, needs Go 1.25+ on PATH, as the workflows set up).
#   usage: bash ci/install/actionlint.sh    then: .tools/bin/actionlint
set -euo pipefail
cd "$(dirname "$0")/../.."

ACTIONLINT_VERSION="v1.7.12"
bash ci/install/go-install.sh actionlint "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
