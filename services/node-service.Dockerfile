# syntax=docker/dockerfile:1.7
# The image of every Node.js service under services/: SERVICE names its npm workspace directory (a
# workload's `service`, workloads/<name>.ts). Build from the repository root so the workspace
# lockfile pins every dependency:
#   docker build --build-arg SERVICE=api --build-arg NODE_DIGEST=... --build-arg DISTROLESS_DIGEST=... \
#     -f services/node-service.Dockerfile -t isoscribe-api .
# Base images are pinned by digest, which a build must be given (tags can move; a digest is the bytes):
# ci/build-images.sh resolves each tag below to its digest and passes
#   --build-arg NODE_DIGEST=sha256:... --build-arg DISTROLESS_DIGEST=sha256:...
# Without them the reference ends in a bare "@", which Docker rejects: no fallback to the tag.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim
ARG NODE_DIGEST
ARG DISTROLESS_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot
ARG DISTROLESS_DIGEST

FROM ${NODE_IMAGE}@${NODE_DIGEST} AS build
# An ARG before the first FROM would reach only the FROM lines: each stage declares its own.
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<directory under services/>, e.g. SERVICE=api" >&2; exit 1; }
WORKDIR /repo
# The root tsconfig.json too: a workspace's tsconfig may extend it.
COPY package.json package-lock.json tsconfig.json ./
COPY services/${SERVICE}/package.json services/${SERVICE}/
# Only this workspace's dependencies: the IaC program's providers never enter the image.
RUN npm ci --workspace "services/$SERVICE" --ignore-scripts --no-audit --no-fund
COPY services/${SERVICE}/tsconfig.json services/${SERVICE}/
COPY services/${SERVICE}/src services/${SERVICE}/src
RUN npm run build --workspace "services/$SERVICE" \
 && npm ci --workspace "services/$SERVICE" --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@isoscribe

# Distroless: node and its libraries, no shell, no package manager.
FROM ${DISTROLESS_IMAGE}@${DISTROLESS_DIGEST}
ARG SERVICE
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /repo/node_modules ./node_modules
COPY --from=build /repo/services/${SERVICE}/package.json ./
COPY --from=build /repo/services/${SERVICE}/dist ./dist
# Numeric, so Kubernetes can verify runAsNonRoot. The services write only to the pod's emptyDir
# (the api its socket, frontend-server its pages), so the root filesystem can be mounted read-only.
USER 65532:65532
# The entrypoint is /nodejs/bin/node; "." runs the "main" of /app/package.json (the workspace's own),
# as an exec-form CMD takes no ARG. Exec form also means SIGTERM reaches the service directly.
CMD ["."]
