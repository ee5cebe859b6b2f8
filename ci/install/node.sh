#!/usr/bin/env bash
# Installs the Node.js release in .node-version (the images' and CI's one version) into
# .tools/node<major>/ from the npm registry's per-platform package (node-linux-<arch>: the official
# binary, no install script), so it needs no download site. Idempotent: does nothing when that
# version is already there; npm's cache keeps the package for a re-install.
#   usage: bash ci/install/node.sh    then: PATH="$PWD/.tools/node<major>/bin:$PATH"
# The npm on PATH stays in use (this package has only the node binary); npm runs on this node.
set -euo pipefail
cd "$(dirname "$0")/../.."

version="$(tr -d '[:space:]' < .node-version)"
if [[ ! "$version" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]]; then
  echo "ci-install-node: .node-version must hold an exact version like 24.21.0 (got \"$version\")" >&2
  exit 1
fi
major="${BASH_REMATCH[1]}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ci-install-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
prefix="$PWD/.tools/node$major"

if [[ -x "$prefix/bin/node" ]] && [[ "$("$prefix/bin/node" -v 2>/dev/null)" == "v$version" ]]; then
  exit 0
fi
rm -rf "$prefix"
mkdir -p "$prefix/bin"
# The node on PATH is that release already (actions/setup-node with .node-version): link it.
if [[ "$(node -v 2>/dev/null || true)" == "v$version" ]]; then
  ln -s "$(readlink -f "$(command -v node)")" "$prefix/bin/node"
  echo "ci-install-node: $(node -v) from PATH linked in $prefix/bin"
  exit 0
fi
command -v npm >/dev/null || { echo "ci-install-node: npm is not on PATH; install any Node.js with npm first" >&2; exit 1; }
npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
  "node-linux-$arch@$version" >/dev/null
ln -s "../node_modules/node-linux-$arch/bin/node" "$prefix/bin/node"
echo "ci-install-node: $("$prefix/bin/node" -v) in $prefix/bin"
