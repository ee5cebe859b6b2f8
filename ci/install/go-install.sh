#!/usr/bin/env bash
# Builds one Go tool from source with `go install` at a pinned version into .tools/bin of this
# repository. Idempotent: does nothing when .tools/bin/<tool> is that version already (a stamp beside
# it records the version, since tools print theirs each in their own way). Needs Go on PATH, as recent
# as the module's go.mod asks; the module is fetched through GOPROXY.
#   usage: bash ci/install/go-install.sh <tool> <package>@<version>    then: .tools/bin/<tool>
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ $# -ne 2 || "$2" != *@* ]]; then
  echo "usage: bash ci/install/go-install.sh <tool> <package>@<version>" >&2
  exit 2
fi
tool="$1"
package="$2"
version="${package##*@}"
bin_dir="$PWD/.tools/bin"
stamp="$bin_dir/.$tool-version"

if [[ -x "$bin_dir/$tool" ]] && [[ "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "ci-go-install: Go is not on PATH, and $tool $version is built with it; install Go and rerun" >&2
  exit 1
fi
mkdir -p "$bin_dir"
echo "ci-go-install: go install $package"
GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "$package"
echo "$version" > "$stamp"
