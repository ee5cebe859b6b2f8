#!/usr/bin/env bash
# Builds the image of every workload (workloads/index.ts) from services/node-service.Dockerfile with
# --build-arg SERVICE=<service> as isoscribe/<workload>:<tag>, the names ci/push-images.sh pushes.
# Base images are pinned by digest: each `ARG <NAME>_IMAGE=<repository>:<tag>` of a Dockerfile is
# resolved here to its digest (the manifest list's, so any platform builds from it) and passed as
# `--build-arg <NAME>_DIGEST=sha256:...`; the Dockerfile's FROM is `${<NAME>_IMAGE}@${<NAME>_DIGEST}`,
# so a build that is not given the digest fails rather than falling back to the tag.
# With a Docker Hub remote repository (image-repository.ts --docker-hub-remote; docker logged in to
# its registry), Docker Hub base images are resolved and pulled through it, never Docker Hub itself
# (the same digests; no anonymous rate limits); the build gets `--build-arg <NAME>_IMAGE=<through it>`.
# With a gcr.io remote repository (image-repository.ts --gcr-remote), gcr.io base images (distroless)
# come through it the same way. Without them, each base image is resolved where its name says.
#   usage: ci/build-images.sh <tag> [<Docker Hub remote repository> [<gcr.io remote repository>]]
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:?usage: ci-build-images.sh <tag> [<Docker Hub remote repository> [<gcr.io remote repository>]]}"
docker_hub_remote="${2:-}"
gcr_remote="${3:-}"
if [[ -n "$docker_hub_remote" && ! "$docker_hub_remote" =~ ^[a-z0-9-]+-docker\.pkg\.dev/[a-z0-9-]+/[a-z0-9-]+$ ]]; then
  echo "ci-build-images: the Docker Hub remote repository must be <location>-docker.pkg.dev/<project>/<repository> (got \"$docker_hub_remote\"); print it with: npx tsx ci/image-repository.ts --docker-hub-remote --env <environment>" >&2
  exit 1
fi
if [[ -n "$gcr_remote" && ! "$gcr_remote" =~ ^[a-z0-9-]+-docker\.pkg\.dev/[a-z0-9-]+/[a-z0-9-]+$ ]]; then
  echo "ci-build-images: the gcr.io remote repository must be <location>-docker.pkg.dev/<project>/<repository> (got \"$gcr_remote\"); print it with: npx tsx ci/image-repository.ts --gcr-remote --env <environment>" >&2
  exit 1
fi

# A gcr.io reference through the gcr.io remote repository, a Docker Hub one (no registry host, or
# docker.io) through the Docker Hub remote repository; others unchanged.
through_remote() {
  local reference="$1" first="${1%%/*}"
  if [[ "$first" == gcr.io && "$reference" == */* ]]; then
    if [[ -n "$gcr_remote" ]]; then echo "$gcr_remote/${reference#gcr.io/}"; else echo "$reference"; fi
    return
  fi
  if [[ -z "$docker_hub_remote" ]]; then echo "$reference"; return; fi
  if [[ "$reference" == */* && ( "$first" == *.* || "$first" == *:* || "$first" == localhost ) ]]; then
    if [[ "$first" != docker.io && "$first" != index.docker.io ]]; then echo "$reference"; return; fi
    reference="${reference#*/}"
  fi
  # Official images live under library/ (`node:24` is docker.io/library/node:24).
  [[ "$reference" == */* ]] || reference="library/$reference"
  echo "$docker_hub_remote/$reference"
}

# Each reference is resolved once, so every image of this build uses the same base bytes.
declare -A resolved=()
resolve() {
  local reference="$1" digest
  if [[ -z "${resolved[$reference]:-}" ]]; then
    digest="$(docker buildx imagetools inspect --format '{{.Manifest.Digest}}' "$reference" < /dev/null)"
    if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
      echo "ci-build-images: could not resolve the base image $reference to a digest (got \"$digest\"); check the tag in its Dockerfile's ARG" >&2
      return 1
    fi
    resolved[$reference]="$digest"
  fi
}

workloads="$(npx --no-install tsx ci/image-repository.ts --list)"
while read -r workload service _rest; do
  dockerfile=services/node-service.Dockerfile  # NODE_SERVICE_DOCKERFILE (workloads/workload.ts)
  build_args=()
  while read -r name reference; do
    [[ -n "$name" ]] || continue
    stem="${name%_IMAGE}"
    if ! grep -qE "^ARG ${stem}_DIGEST\$" "$dockerfile"; then
      echo "ci-build-images: $dockerfile declares ARG $name but no \"ARG ${stem}_DIGEST\" to pin it by; write FROM \${$name}@\${${stem}_DIGEST}" >&2
      exit 1
    fi
    source_reference="$(through_remote "$reference")"
    resolve "$source_reference"
    if [[ "$source_reference" != "$reference" ]]; then build_args+=(--build-arg "$name=$source_reference"); fi
    build_args+=(--build-arg "${stem}_DIGEST=${resolved[$source_reference]}")
  done < <(sed -nE 's/^ARG ([A-Z0-9_]+_IMAGE)=([^[:space:]]+)[[:space:]]*$/\1 \2/p' "$dockerfile")
  if [[ ${#build_args[@]} -eq 0 ]]; then
    echo "ci-build-images: $dockerfile has no \"ARG <NAME>_IMAGE=<repository>:<tag>\"; its base images must be pinned by digest (services/$service/README.md)" >&2
    exit 1
  fi
  docker build --pull "${build_args[@]}" --build-arg "SERVICE=$service" -f "$dockerfile" -t "isoscribe/$workload:$tag" . < /dev/null
done <<< "$workloads"
