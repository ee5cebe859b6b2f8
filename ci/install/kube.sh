#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the API-server tests (__tests__/support/kube/):
# kube-apiserver and kube-controller-manager from k8s.io/kubernetes, and etcd from
# go.etcd.io/etcd/server/v3 at the version that Kubernetes release pins. Everything comes from the Go
# module proxy: k8s.io/kubernetes replaces its k8s.io/* staging modules with ./staging/..., which a
# module download does not contain, so a small module of our own replaces each of them with its
# published version (v0.MINOR.PATCH for Kubernetes v1.MINOR.PATCH).
#
# Binaries land in a cache outside the repository, keyed by version (go-build-cache.sh), so a warm
# machine does not rebuild:  ${XDG_CACHE_HOME:-$HOME/.cache}/isoscribe/kube/<version>/{kube-apiserver,kube-controller-manager,etcd}
# Idempotent: does nothing when all three are there. Needs Go >= 1.24 on PATH.
#   usage: bash ci/install/kube.sh               prints the binary directory on its last line
#          bash ci/install/kube.sh --print-dir   only prints that directory (the tests use it)
#
# Version: Kubernetes 1.34 (its latest patch on the proxy), a minor GKE supports, rather than the newest
# minor (1.37): production is on GKE's STABLE channel, which trails the newest minors.
set -euo pipefail

KUBE_VERSION="v1.34.4"
kube_minor="${KUBE_VERSION#v1.}"; kube_minor="${kube_minor%%.*}"
staging_version="v0.${KUBE_VERSION#v1.}"
# shellcheck source=ci/install/go-build-cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build-cache.sh"
go_build_cache_open kube "$KUBE_VERSION" 1.24 "${1:-}" kube-apiserver kube-controller-manager etcd
cd "$work"

# The staging modules k8s.io/kubernetes replaces with local directories, read from its own go.mod.
kube_mod="$(go mod download -json "k8s.io/kubernetes@${KUBE_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
mapfile -t staging < <(sed -n 's/^[[:space:]]*\(k8s\.io\/[^[:space:]]*\) => \.\/staging\/.*/\1/p' "$kube_mod")
if [[ ${#staging[@]} -lt 20 ]]; then
  echo "ci-install-kube: found only ${#staging[@]} staging replacements in $kube_mod; its layout changed" >&2
  exit 1
fi
etcd_version="$(sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 \(v[^[:space:]]*\).*/\1/p' "$kube_mod")"

{
  echo "module isoscribe.local/kubebuild"
  echo
  echo "go 1.24.0"
  echo
  echo "godebug default=go1.24"
  echo
  echo "require k8s.io/kubernetes ${KUBE_VERSION}"
  echo
  for m in "${staging[@]}"; do echo "replace $m => $m ${staging_version}"; done
} > go.mod
# etcd's own main package lives in a module of its own (go.etcd.io/etcd/v3) with other pins; its
# entry point etcdmain.Main is in the server module Kubernetes already depends on.
mkdir -p cmd/etcd
cat > cmd/etcd/main.go <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF

echo "ci-install-kube: resolving k8s.io/kubernetes ${KUBE_VERSION} (${#staging[@]} staging modules at ${staging_version}), etcd ${etcd_version}"
# `go get` of the packages themselves records the sums of everything they import.
GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@${KUBE_VERSION}" \
  "k8s.io/kubernetes/cmd/kube-controller-manager@${KUBE_VERSION}" \
  "go.etcd.io/etcd/server/v3/etcdmain@${etcd_version}" 2>"$work/go-get.log" || { cat "$work/go-get.log" >&2; exit 1; }

# The version the server reports (/version); clients such as the Terraform kubernetes provider parse it,
# and an unset one ("v0.0.0-master+$Format:%H$") is refused.
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
version_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_ldflags+=" -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${kube_minor}"
  version_ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${build_date}"
done

for cmd in kube-apiserver kube-controller-manager; do
  t=$SECONDS
  echo "ci-install-kube: building $cmd"
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w${version_ldflags}" -o "$work/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  echo "ci-install-kube: $cmd built in $((SECONDS - t)) s"
done
t=$SECONDS
echo "ci-install-kube: building etcd ${etcd_version}"
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/etcd" ./cmd/etcd
echo "ci-install-kube: etcd built in $((SECONDS - t)) s"

"$work/kube-apiserver" --version
go_build_cache_commit
