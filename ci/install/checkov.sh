#!/usr/bin/env bash
# Installs the pinned checkov (tools/checkov/requirements.txt) into .venv/checkov. Idempotent: does
# nothing when that version is there already; pip's cache keeps the wheels for a re-install.
#   usage: bash ci/install/checkov.sh    then: bash tools/checkov/checkov.sh cdktf.out
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv/checkov
requirements=tools/checkov/requirements.txt
pinned="$(sed -n 's/^checkov==//p' "$requirements")"

if [[ "$("$venv/bin/checkov" --version 2>/dev/null || true)" == "$pinned" ]]; then
  exit 0
fi
command -v python3 >/dev/null || { echo "ci-install-checkov: python3 not found; install python3 and python3-venv" >&2; exit 1; }
echo "ci-install-checkov: installing checkov $pinned into $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
