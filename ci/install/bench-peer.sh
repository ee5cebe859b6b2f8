#!/usr/bin/env bash
# The Python venv of the seed's stack the API is compared with (bench/peer: aiohttp + Gunicorn +
# uvloop + PyMongo async), in .venv/bench-peer, from the pinned bench/peer/requirements.txt, through
# ci/install/venv.sh (built once per machine, linked into the checkout; a pin change builds anew).
# setup.sh runs it: the parity test (__tests__/bench/peer.integration.test.ts) starts the peer.
#   usage: bash ci/install/bench-peer.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
  echo "ci-install-bench-peer: python3 >= 3.9 is needed for the peer stack" >&2
  exit 1
fi
bash ci/install/venv.sh bench-peer -r bench/peer/requirements.txt
