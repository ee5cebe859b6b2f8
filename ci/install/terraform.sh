#!/usr/bin/env bash
# Installs the Terraform CLI that __tests__/constructs/gcp/cloud-armor-policy.integration.test.ts uses to evaluate the
# synthesized Cloud Armor expressions (`terraform console`, offline: no providers, no state), and that
# `npm run verify:terraform` runs with the real providers.
# Idempotent: does nothing when terraform is already on PATH. Verifies the download against
# HashiCorp's published SHA256SUMS. Installs to /usr/local/bin (sudo when not root).
set -euo pipefail

version="${TERRAFORM_VERSION:-1.11.4}"

if command -v terraform >/dev/null 2>&1; then
  echo "terraform already installed: $(terraform version | head -1)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ci-install-terraform: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
zip="terraform_${version}_linux_${arch}.zip"
base="https://releases.hashicorp.com/terraform/${version}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL -o "$work/$zip" "$base/$zip"
curl -fsSL -o "$work/SHA256SUMS" "$base/terraform_${version}_SHA256SUMS"
(cd "$work" && grep " ${zip}\$" SHA256SUMS | sha256sum -c -)
(cd "$work" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("terraform", ".")' "$zip")

sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"
$sudo install -m 0755 "$work/terraform" /usr/local/bin/terraform
terraform version | head -1
