#!/usr/bin/env bash
# Pushes the locally built images of this commit to one environment's Artifact Registry and prints
# `<workload>_digest=sha256:...` lines (for $GITHUB_OUTPUT). Run after `docker login` to that
# registry. The destination comes from config/<env>.ts, so CI pushes exactly where the workloads
# stack pulls from.
#   usage: scripts/ci-push-images.sh <environment> <tag>     (local images: isoscribe/<workload>:<tag>)
set -euo pipefail
cd "$(dirname "$0")/.."

environment="${1:?usage: ci-push-images.sh <environment> <tag>}"
tag="${2:?usage: ci-push-images.sh <environment> <tag>}"

for workload in api frontend; do
  repository="$(npx --no-install tsx scripts/image-repository.ts --env "$environment" --workload "$workload")"
  # Tags are immutable in the registry: a re-run of this job reuses what the first run pushed
  # rather than failing on (or, worse, moving) the commit's tag.
  if docker pull --quiet "$repository:$tag" >/dev/null 2>&1; then
    echo "ci-push-images: $repository:$tag already exists; reusing it" >&2
  else
    docker tag "isoscribe/$workload:$tag" "$repository:$tag"
    if ! pushed="$(docker push --quiet "$repository:$tag" 2>&1)"; then
      echo "$pushed" >&2
      if grep -qiE 'name unknown|not found' <<< "$pushed"; then
        # The bootstrap stack creates the repository, by hand, before CI's first run.
        echo "ci-push-images: the repository of $repository does not exist; apply isoscribe-$environment-bootstrap first (docs/deploy.md, step 1)" >&2
      fi
      exit 1
    fi
    echo "$pushed" >&2
  fi
  digest="$(docker inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$repository:$tag" | grep -F "$repository@" | head -n1 | cut -d@ -f2)"
  if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "ci-push-images: no digest for $repository:$tag after the push" >&2
    exit 1
  fi
  echo "${workload}_digest=$digest"
done
