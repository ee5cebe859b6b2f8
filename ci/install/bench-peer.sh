#!/usr/bin/env bash
# The Python venv of the seed's stack the API is compared with (bench/peer: aiohttp + Gunicorn +
# uvloop + PyMongo async), in .venv/bench-peer, from the pinned bench/peer/requirements.txt.
# setup.sh runs it: the parity test (__tests__/bench/peer.integration.test.ts) starts the peer.
# Idempotent: skipped when the venv was built from the same requirements file.
#   usage: bash ci/install/bench-peer.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="$PWD/.venv/bench-peer"
requirements="bench/peer/requirements.txt"

# The stamp is the requirements file itself: any pin change rebuilds the venv.
if cmp -s "$requirements" "$venv/.requirements.txt" 2>/dev/null; then
  exit 0
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
  echo "ci-install-bench-peer: python3 >= 3.9 is needed for the peer stack" >&2
  exit 1
fi
echo "ci-install-bench-peer: creating $venv from $requirements"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
cp "$requirements" "$venv/.requirements.txt"
