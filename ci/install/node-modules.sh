#!/usr/bin/env bash
# `npm ci` for the repository and its workspaces, kept in a cache: the install is saved under
# ~/.cache/isoscribe/node-modules/<key> and later restored by a copy instead of re-extracting some
# 1.2 GB of packages (and recompiling cdktf-cli's node-pty). The key covers everything the install
# depends on: the lockfile, every package.json, the Node.js and npm releases, and the platform (node-pty
# compiles against that Node.js release's headers). A save is complete or absent (copied aside, then renamed);
# the two newest keys are kept. ISOSCRIBE_NODE_MODULES_CACHE=0 always runs npm ci.
#   usage: bash ci/install/node-modules.sh    (on the Node.js of .node-version, as ci/setup.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."

key="$(
  {
    cat package-lock.json package.json services/*/package.json
    node -p 'process.version + " " + process.platform + " " + process.arch'
    npm -v
  } | sha256sum | cut -c1-16
)"
cache_root="${HOME}/.cache/isoscribe/node-modules"
cache="$cache_root/$key"

if [[ "${ISOSCRIBE_NODE_MODULES_CACHE:-1}" == "1" && -f "$cache/complete" ]]; then
  rm -rf node_modules services/*/node_modules
  cp -a "$cache/node_modules" node_modules
  for dir in "$cache"/workspaces/*; do
    [[ -d "$dir" ]] && cp -a "$dir" "services/$(basename "$dir")/node_modules"
  done
  echo "node-modules: restored from the cache (key $key)"
  exit 0
fi

npm ci --no-audit --no-fund

[[ "${ISOSCRIBE_NODE_MODULES_CACHE:-1}" == "1" ]] || exit 0
mkdir -p "$cache_root"
saving="$(mktemp -d "$cache_root/.saving-XXXXXX")"
trap 'rm -rf "$saving"' EXIT
cp -a node_modules "$saving/node_modules"
mkdir -p "$saving/workspaces"
for dir in services/*/node_modules; do
  [[ -d "$dir" ]] && cp -a "$dir" "$saving/workspaces/$(basename "$(dirname "$dir")")"
done
touch "$saving/complete"
rm -rf "$cache"
mv "$saving" "$cache"
trap - EXIT
# The two newest installs stay (a branch and main); older ones go.
ls -1dt "$cache_root"/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
echo "node-modules: npm ci done and saved to the cache (key $key)"
