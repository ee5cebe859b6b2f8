#!/usr/bin/env bash
# Builds the image of every workload (workloads/index.ts) from services/node-service.Dockerfile with
# --build-arg SERVICE=<service> as isoscribe/<workload>:<tag>, the names scripts/ci-push-images.sh pushes.
# Base images are pinned by digest: each `ARG <NAME>_IMAGE=<repository>:<tag>` of a Dockerfile is
# resolved here to its digest (the manifest list's, so any platform builds from it) and passed as
# `--build-arg <NAME>_DIGEST=sha256:...`; the Dockerfile's FROM is `${<NAME>_IMAGE}@${<NAME>_DIGEST}`,
# so a build that is not given the digest fails rather than falling back to the tag.
#   usage: scripts/ci-build-images.sh <tag>
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:?usage: ci-build-images.sh <tag>}"

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

workloads="$(npx --no-install tsx scripts/image-repository.ts --list)"
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
    resolve "$reference"
    build_args+=(--build-arg "${stem}_DIGEST=${resolved[$reference]}")
  done < <(sed -nE 's/^ARG ([A-Z0-9_]+_IMAGE)=([^[:space:]]+)[[:space:]]*$/\1 \2/p' "$dockerfile")
  if [[ ${#build_args[@]} -eq 0 ]]; then
    echo "ci-build-images: $dockerfile has no \"ARG <NAME>_IMAGE=<repository>:<tag>\"; its base images must be pinned by digest (services/$service/README.md)" >&2
    exit 1
  fi
  docker build --pull "${build_args[@]}" --build-arg "SERVICE=$service" -f "$dockerfile" -t "isoscribe/$workload:$tag" . < /dev/null
done <<< "$workloads"
