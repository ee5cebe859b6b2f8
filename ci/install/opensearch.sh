#!/usr/bin/env bash
# Fetches OpenSearch for the search tests, e2e and benchmark: the server jar, the Netty4 transport
# and analysis-common plugins and log4j-core, from Maven Central, into
# ~/.cache/isoscribe/opensearch/<version>/jars, and compiles the small main that runs one node
# in-process (services/api/test/opensearch/OpenSearchTestNode.java). Idempotent; cold about 3 min
# (about 60 MB of jars), warm nothing. Needs Java 17+ and Maven on PATH.
set -euo pipefail

src_dir="$(cd "$(dirname "$0")/../../services/api/test/opensearch" && pwd)"
version="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$src_dir/pom.xml")"
out="${ISOSCRIBE_OPENSEARCH_HOME:-$HOME/.cache/isoscribe/opensearch/$version}"
bash "$(dirname "$0")/java-test-server.sh" ci-install-opensearch "$src_dir/pom.xml" "$src_dir/OpenSearchTestNode.java" "$out"
echo "opensearch $version ready in $out"
