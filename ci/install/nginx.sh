#!/usr/bin/env bash
# Installs Debian's nginx for the tests that run a real NGINX on the rendered config
# (testing/nginx.ts). Idempotent: does nothing when nginx is already installed.
# Uses sudo when not root. The tests only run the binary; the package's own service is not used.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then
  echo "nginx already installed: $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1)"
  exit 0
fi

sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "ci-install-nginx: not root and no sudo; install the 'nginx' package as root" >&2; exit 1; }
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends nginx
# Do not leave the package's default site running on port 80 where a service manager started it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $sudo systemctl stop nginx || true
  $sudo systemctl disable nginx || true
fi
/usr/sbin/nginx -v
