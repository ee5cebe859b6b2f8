#!/usr/bin/env bash
# checkov over every synthesized stack: installs the pinned checkov into .venv/checkov (once, through
# ci/install/checkov.sh), then
# scans each cdk.tf.json under the synth output with the terraform_json framework. Fails on any
# failed check; skips come only from tools/checkov/skips.yaml, each with its reason.
#
#   bash tools/checkov/checkov.sh [synth-output-dir]     (default: cdktf.out; run `npm run synth` first)
set -euo pipefail
cd "$(dirname "$0")/../.."

outdir="${1:-cdktf.out}"
venv=.venv/checkov
requirements=tools/checkov/requirements.txt
skips=tools/checkov/skips.yaml
pinned="$(sed -n 's/^checkov==//p' "$requirements")"

if [[ ! -f "$outdir/manifest.json" ]]; then
  echo "checkov: no synth output in $outdir (manifest.json missing); run \`npm run synth\` first" >&2
  exit 2
fi

started=$SECONDS
bash ci/install/checkov.sh
installed=$SECONDS

# The skip list, validated: a skip without a reason is refused, not silently applied.
skip_ids="$("$venv/bin/python" - "$skips" <<'PY'
import sys, yaml
entries = (yaml.safe_load(open(sys.argv[1])) or {}).get("skips") or []
bad = [e.get("id", "?") for e in entries if len(str(e.get("reason") or "").strip()) < 20]
if bad:
    sys.exit(f"checkov: {sys.argv[1]}: entries {', '.join(bad)} need a reason (at least 20 characters) saying why the check does not apply")
print(",".join(e["id"] for e in entries))
PY
)"

stacks=$(find "$outdir/stacks" -name cdk.tf.json | wc -l)
echo "checkov $pinned: scanning $stacks stacks in $outdir (skipping $skip_ids)"
status=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$venv/bin/checkov" --directory "$outdir/stacks" --framework terraform_json --skip-check "$skip_ids" \
  --compact --quiet --skip-download 2>"$log" || status=$?
finished=$SECONDS

# checkov logs parser trouble (e.g. a check that crashes on a dynamic block) to stderr, with whole
# files dumped; keep one line per problem so CI shows what was not evaluated.
if grep -q '\[ERROR\]\|\[WARNI\]' "$log"; then
  echo "checkov: not everything could be evaluated (checkov's own errors, condensed):"
  grep -o '\[ERROR\].*\|\[WARNI\].\{0,160\}' "$log" | sed 's/^/  /' | sort | uniq -c
fi

echo "checkov: install/check $((installed - started))s, scan $((finished - installed))s"
if [[ $status -ne 0 ]]; then
  echo "checkov: failed checks above; fix them in the stack or construct, or add a skip with its reason to $skips" >&2
fi
exit $status
