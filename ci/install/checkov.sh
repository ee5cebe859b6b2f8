#!/usr/bin/env bash
# The pinned checkov (tools/checkov/requirements.txt) in .venv/checkov, through ci/install/venv.sh
# (built once per machine, linked into the checkout).
#   usage: bash ci/install/checkov.sh    then: bash tools/checkov/checkov.sh cdktf.out
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ci/install/venv.sh checkov -r tools/checkov/requirements.txt
