#!/usr/bin/env bash
# Pushes the locally built images of this commit (ci/build-images.sh) to one environment's
# Artifact Registry, resolves the third-party images' tags to digests, and prints, for $GITHUB_OUTPUT,
# `image_pins`: one `<variable>=<value>` line per image tag and digest (ISOSCRIBE_<WORKLOAD>_IMAGE_
# {TAG,DIGEST} and ISOSCRIBE_NGINX_IMAGE_DIGEST, config/overrides.ts), which the
# deploy job exports so synth pins every workload. Run after `docker login` to that registry. The
# destination comes from config/<env>.ts, so CI pushes exactly where the workloads stack pulls from.
#   usage: ci/push-images.sh <environment> <tag>     (local images: isoscribe/<workload>:<tag>)
set -euo pipefail
cd "$(dirname "$0")/.."

environment="${1:?usage: ci/push-images.sh <environment> <tag>}"
tag="${2:?usage: ci/push-images.sh <environment> <tag>}"

pins=""
# Every workload of workloads/index.ts: `<workload> <service> <tag variable> <digest variable> <repository>`.
workloads="$(npx --no-install tsx ci/image-repository.ts --list --env "$environment")"
while read -r workload _service tag_variable digest_variable repository; do
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
  pins+="${tag_variable}=${tag}"$'\n'"${digest_variable}=${digest}"$'\n'
done <<< "$workloads"

# Third-party images (NGINX): the tag config/<env>.ts reviewed, resolved to its digest through our
# Docker Hub remote repository, so the release runs exactly the bytes resolved now, even if the tag
# moves upstream later. The manifest list's digest: each node pulls its own platform from it.
third_party="$(npx --no-install tsx ci/image-repository.ts --third-party --env "$environment")"
while read -r digest_variable reference; do
  digest="$(docker buildx imagetools inspect --format '{{.Manifest.Digest}}' "$reference")"
  if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "ci-push-images: could not resolve $reference to a digest (got \"$digest\"); is the Docker Hub remote repository there (bootstrap) and the tag right (config/$environment.ts)?" >&2
    exit 1
  fi
  pins+="${digest_variable}=${digest}"$'\n'
done <<< "$third_party"

printf 'image_pins<<IMAGE_PINS_END\n%sIMAGE_PINS_END\n' "$pins"
