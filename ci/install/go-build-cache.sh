# Sourced by the installers that build Go binaries into a cache outside the repository, keyed by
# version, so a warm machine does not rebuild (kube.sh, prometheus.sh):
#   ${XDG_CACHE_HOME:-$HOME/.cache}/isoscribe/<name>/<version>/<binary>...
#
#   go_build_cache_open <name> <version> <minimum Go> <first argument of the installer> <binary>...
#     With --print-dir, prints the cache directory and exits. When every binary is there, says so,
#     prints the directory and exits. Otherwise checks Go is on PATH and sets $cache_dir and $work, an
#     empty build directory inside the cache (removed on exit) to build the binaries into.
#   go_build_cache_commit
#     Moves the binaries from $work into $cache_dir, only once all of them built, so an interrupted
#     build never looks complete; prints the time taken and, last, the directory.

go_build_cache_open() {
  go_build_cache_label="ci-install-$1"
  go_build_cache_version="$2"
  local go_minimum="$3" first_argument="$4"
  shift 4
  go_build_cache_binaries=("$@")
  cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/isoscribe/${go_build_cache_label#ci-install-}/${go_build_cache_version}"
  if [[ "$first_argument" == "--print-dir" ]]; then echo "$cache_dir"; exit 0; fi

  local b missing=0
  for b in "${go_build_cache_binaries[@]}"; do [[ -x "$cache_dir/$b" ]] || missing=1; done
  if [[ $missing == 0 ]]; then
    echo "${go_build_cache_label}: ${go_build_cache_version} already built"
    echo "$cache_dir"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "${go_build_cache_label}: Go is not on PATH; install Go ${go_minimum}+ and rerun" >&2
    exit 1
  fi

  go_build_cache_started=$SECONDS
  mkdir -p "$cache_dir"
  work="$(mktemp -d "$cache_dir/.build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
}

go_build_cache_commit() {
  local b
  for b in "${go_build_cache_binaries[@]}"; do mv -f "$work/$b" "$cache_dir/$b"; done
  echo "${go_build_cache_label}: ${go_build_cache_version} built in $((SECONDS - go_build_cache_started)) s"
  echo "$cache_dir"
}
