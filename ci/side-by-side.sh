# Sourced by ci/setup.sh and .ci/run: commands run side by side, each logged to its own file, then
# awaited together, each one's output printed whole in the order they started.
#   side_by_side NAME COMMAND...   start one (a shell function works too)
#   side_by_side_wait WHO          wait for every one started; print their output; return 1 naming
#                                  those that failed (WHO prefixes that message)

_side_by_side_logs=""
_side_by_side_pids=()
_side_by_side_names=()

side_by_side() {
  local name="$1"; shift
  [[ -n "$_side_by_side_logs" ]] || _side_by_side_logs="$(mktemp -d)"
  ( "$@" ) >"$_side_by_side_logs/$name.log" 2>&1 &
  _side_by_side_pids+=("$!")
  _side_by_side_names+=("$name")
}

side_by_side_wait() {
  local who="$1" failed=() i name
  for i in "${!_side_by_side_pids[@]}"; do
    name="${_side_by_side_names[$i]}"
    wait "${_side_by_side_pids[$i]}" || failed+=("$name")
    echo "$who: --- $name ---"
    cat "$_side_by_side_logs/$name.log"
  done
  _side_by_side_pids=()
  _side_by_side_names=()
  [[ -z "$_side_by_side_logs" ]] || rm -rf "$_side_by_side_logs"
  _side_by_side_logs=""
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "$who: failed: ${failed[*]} (output above)" >&2
    return 1
  fi
}
