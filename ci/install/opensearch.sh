#!/usr/bin/env bash
# Fetches OpenSearch for the search tests, e2e and benchmark: the server jar, the Netty4 transport
# and analysis-common plugins, log4j-core and the security plugin's release zip, from Maven Central,
# into ~/.cache/isoscribe/opensearch/<version>/jars; unpacks the zip into .../security (the plugin's
# jars, default security config and tools); compiles the small main that runs one node in-process
# (services/api/test/opensearch/OpenSearchTestNode.java). Idempotent; cold about 4 min (about 110 MB),
# warm nothing. Needs Java 17+, Maven and unzip on PATH.
set -euo pipefail

src_dir="$(cd "$(dirname "$0")/../../services/api/test/opensearch" && pwd)"
version="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$src_dir/pom.xml")"
out="${ISOSCRIBE_OPENSEARCH_HOME:-$HOME/.cache/isoscribe/opensearch/$version}"
bash "$(dirname "$0")/java-test-server.sh" ci-install-opensearch "$src_dir/pom.xml" "$src_dir/OpenSearchTestNode.java" "$out"
zip="$out/jars/opensearch-security-$version.0.zip"
if [[ ! -f "$out/security/.unpacked" || "$zip" -nt "$out/security/.unpacked" ]]; then
  rm -rf "$out/security"
  unzip -q "$zip" -d "$out/security"
  touch "$out/security/.unpacked"
fi
echo "opensearch $version ready in $out"
