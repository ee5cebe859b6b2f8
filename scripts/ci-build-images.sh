#!/usr/bin/env bash
# Builds the image of every workload (workloads/index.ts) from services/<service>/Dockerfile as
# isoscribe/<workload>:<tag>, the names scripts/ci-push-images.sh pushes.
#   usage: scripts/ci-build-images.sh <tag>
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:?usage: ci-build-images.sh <tag>}"

npx --no-install tsx scripts/image-repository.ts --list | while read -r workload service _rest; do
  docker build --pull -f "services/$service/Dockerfile" -t "isoscribe/$workload:$tag" .
done
