#!/usr/bin/env bash
# A Python venv for one tool, built once per machine and linked into the checkout:
#   bash ci/install/venv.sh NAME PIP-INSTALL-ARGS...      e.g.  venv.sh checkov -r tools/checkov/requirements.txt
# makes .venv/NAME a link to ~/.cache/isoscribe/venvs/NAME-<key>, where the key covers the pip
# arguments, the contents of every -r file among them and the Python release. A venv is not
# relocatable (its scripts name its path), so it is built where it stays, under a lock, and marked
# complete last: an interrupted build is rebuilt, never used. A fresh clone then links in a second
# instead of reinstalling (checkov alone is tens of seconds of pip).
set -euo pipefail
cd "$(dirname "$0")/../.."

name="${1:?usage: venv.sh NAME PIP-INSTALL-ARGS...}"
shift
[[ $# -gt 0 ]] || { echo "ci-install-venv: $name: no pip arguments (e.g. -r requirements.txt)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "ci-install-venv: python3 not found; install python3 and python3-venv" >&2; exit 1; }

key="$(
  {
    printf '%s\n' "$name" "$@"
    previous=""
    for arg in "$@"; do
      [[ "$previous" == "-r" ]] && cat "$arg"
      previous="$arg"
    done
    python3 --version
  } | sha256sum | cut -c1-16
)"
cache_root="${HOME}/.cache/isoscribe/venvs"
venv="$cache_root/$name-$key"
mkdir -p "$cache_root" .venv

exec 9>"$venv.lock"
flock 9
if [[ ! -f "$venv/.complete" ]]; then
  echo "ci-install-venv: building $venv (pip install $*)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "$@"
  touch "$venv/.complete"
fi
flock -u 9

link=".venv/$name"
if [[ "$(readlink "$link" 2>/dev/null || true)" != "$venv" ]]; then
  rm -rf "$link"
  ln -s "$venv" "$link"
fi
