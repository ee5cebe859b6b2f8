#!/usr/bin/env bash
# bash ci/saved-plan.sh plan  <stack> [<plan store>]   plan, save the plan, print it (job summary too)
# bash ci/saved-plan.sh apply <stack> <receipt>        apply exactly the saved plan the receipt names
# bash ci/saved-plan.sh check-lock <stack>             fail loudly if the stack's state lock is held
#
# Runs terraform in cdktf.out/stacks/<stack> (run `npm run synth` first, from the same commit with
# the same ISOSCRIBE_* variables in both jobs). The plan store is a `gs://` prefix or a local
# directory; by default gs://<the stack's state bucket>/plans/$GITHUB_RUN_ID/$GITHUB_RUN_ATTEMPT, in
# the state bucket because a plan file holds what state holds. The plan runs as the read-only
# planner (no state lock: it cannot write one; apply refuses a plan made stale meanwhile), which may
# only create objects under plans/, never overwrite one. Pull-request jobs run as the planner too, so
# plan writes a receipt (the store and the sha256 of every saved file) that travels to the apply job
# as this run's artifact, which no other run can write: apply refuses any saved file that differs.
# docs/deploy.md explains the workflow around it and the recovery from a held lock.
set -euo pipefail

die() { echo "ci-saved-plan: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: ci/saved-plan.sh plan|apply <stack> <plan store> | check-lock <stack>"
command=$1 stack=$2 store=${3:-}
dir="cdktf.out/stacks/$stack"
[ -f "$dir/cdk.tf.json" ] || die "no $dir/cdk.tf.json: run \`npm run synth\` first (same commit, same ISOSCRIBE_* variables)"
backend() { node -e 'const b = require(process.argv[1]).terraform.backend; process.stdout.write((b.gcs && b.gcs[process.argv[2]]) || "")' "$PWD/$dir/cdk.tf.json" "$1"; }
if [ "$command" = plan ] && [ -z "$store" ]; then
  bucket=$(backend bucket)
  [ -n "$bucket" ] && [ -n "${GITHUB_RUN_ID:-}" ] || die "plan needs a plan store (a gs:// prefix or a directory): $stack has no GCS backend or GITHUB_RUN_ID is unset"
  # A re-run attempt writes beside the first: the planner may create objects, not replace them.
  store="gs://$bucket/plans/$GITHUB_RUN_ID/${GITHUB_RUN_ATTEMPT:-1}"
fi

export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
tf() { terraform -chdir="$dir" "$@"; }
# The plan records which synthesized configuration it was made from; apply refuses any other.
config_sum() { sha256sum "$dir/cdk.tf.json" | cut -d' ' -f1; }
put() { if [[ $2 == gs://* ]]; then gcloud storage cp --quiet "$1" "$2"; else mkdir -p "$(dirname "$2")" && cp "$1" "$2"; fi; }
get() {
  if [[ $1 == gs://* ]]; then gcloud storage cp --quiet "$1" "$2"
  else [ -f "$1" ] || die "no saved plan at $1: did the plan job of this run succeed?"; cp "$1" "$2"; fi
}
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat >> "$GITHUB_STEP_SUMMARY"; else cat > /dev/null; fi; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
saved="$store/$stack"
receipt_file="$dir/tfplan.receipt"
# The saved file <name>, fetched to <local path>, must have the sha256 the receipt records for it.
get_checked() {
  get "$saved/$1" "$2"
  local expected actual
  expected=$(awk -v name="$1" '$1 == "sha256" && $3 == name { print $2 }' "$receipt")
  actual=$(sha "$2")
  [ -n "$expected" ] || die "the receipt $receipt records no $1"
  [ "$expected" = "$actual" ] || die "the saved $1 of $stack ($saved/$1) is not the one the plan job saved (sha256 $actual, receipt $expected): it was replaced after the plan; plan again"
}

case "$command" in
  plan)
    tf init -input=false -no-color
    set +e
    # -lock=false: the planner cannot write the lock; an apply in between makes this plan stale,
    # which terraform refuses at apply.
    tf plan -input=false -no-color -lock=false -detailed-exitcode -out=tfplan
    code=$?
    set -e
    [ "$code" -ne 1 ] || die "terraform plan of $stack failed"
    changes=$([ "$code" -eq 2 ] && echo yes || echo no)
    # `show` prints sensitive values as "(sensitive value)": safe for the log, summary and artifact;
    # the binary plan file is not, so it goes only to the store.
    tf show -no-color tfplan > "$dir/tfplan.txt"
    config_sum > "$dir/tfplan.config-sha256"
    echo "$changes" > "$dir/tfplan.changes"
    put "$dir/tfplan" "$saved/tfplan"
    # (A stack of built-in resources only has no lock file; an empty one is valid.)
    [ -f "$dir/.terraform.lock.hcl" ] || : > "$dir/.terraform.lock.hcl"
    put "$dir/.terraform.lock.hcl" "$saved/terraform.lock.hcl"
    put "$dir/tfplan.config-sha256" "$saved/config-sha256"
    put "$dir/tfplan.changes" "$saved/changes"
    {
      echo "store $store"
      for f in tfplan:tfplan .terraform.lock.hcl:terraform.lock.hcl tfplan.config-sha256:config-sha256 tfplan.changes:changes; do
        echo "sha256 $(sha "$dir/${f%%:*}") ${f#*:}"
      done
    } > "$receipt_file"
    {
      echo "### \`$stack\`: $([ "$changes" = yes ] && echo changes || echo 'no changes')"
      echo
      echo "<details><summary>terraform show</summary>"
      echo
      echo '```'
      # A step summary holds 1 MiB; the artifact has the whole text.
      head -c 900000 "$dir/tfplan.txt"
      echo '```'
      echo
      echo "</details>"
    } | summary
    echo "ci-saved-plan: $stack planned ($([ "$changes" = yes ] && echo changes || echo 'no changes')), saved to $saved"
    ;;

  apply)
    receipt=$store
    [ -n "$receipt" ] && [ -f "$receipt" ] || die "apply needs the plan job's receipt (its artifact plan-$stack, file tfplan.receipt): none at \"$receipt\""
    store=$(awk '$1 == "store" { print $2 }' "$receipt")
    [ -n "$store" ] || die "the receipt $receipt names no plan store"
    saved="$store/$stack"
    get_checked config-sha256 "$dir/tfplan.config-sha256"
    planned=$(cat "$dir/tfplan.config-sha256")
    [ "$(config_sum)" = "$planned" ] || die "the synthesized $dir/cdk.tf.json differs from the one planned (sha256 $planned): synthesize the same commit with the same ISOSCRIBE_* variables, or plan again"
    get_checked changes "$dir/tfplan.changes"
    if [ "$(cat "$dir/tfplan.changes")" = no ]; then
      echo "ci-saved-plan: the saved plan of $stack has no changes; nothing to apply"
      echo "\`$stack\`: no changes, nothing applied" | summary
      exit 0
    fi
    get_checked tfplan "$dir/tfplan"
    # The providers the plan was made with, exactly (init fails rather than pick others).
    get_checked terraform.lock.hcl "$dir/.terraform.lock.hcl"
    tf init -input=false -no-color -lockfile=readonly
    # A saved plan is applied as planned, without a new plan; terraform refuses it if the state
    # changed since (another apply in between): plan again then.
    tf apply -input=false -no-color -lock-timeout=5m tfplan
    ;;

  check-lock)
    bucket=$(backend bucket)
    prefix=$(backend prefix)
    if [ -z "$bucket" ]; then
      echo "ci-saved-plan: $stack keeps local state; its lock dies with the process"
      exit 0
    fi
    lock="gs://$bucket/$prefix/default.tflock"
    if ! info=$(gcloud storage cat "$lock" 2>/dev/null); then
      echo "ci-saved-plan: no state lock left on $stack"
      exit 0
    fi
    id=$(node -e 'try { process.stdout.write(JSON.parse(process.argv[1]).ID ?? "") } catch { }' "$info")
    message="The state of $stack is still locked ($lock) after this job stopped. Make sure no other run applies it (Actions tab), then: terraform -chdir=$dir force-unlock -force $id (docs/deploy.md, 'A held state lock')."
    echo "::error title=State lock held on $stack::$message"
    { echo "### State lock held on \`$stack\`"; echo; echo "$message"; echo; echo '```'; echo "$info"; echo '```'; } | summary
    exit 1
    ;;

  *) die "unknown command \"$command\": plan, apply or check-lock" ;;
esac
