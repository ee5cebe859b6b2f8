#!/usr/bin/env bash
# Fetches OpenSearch for the search tests, e2e and benchmark: the server jar, the Netty4 transport
# and analysis-common plugins and log4j-core, from Maven Central, into
# ~/.cache/isoscribe/opensearch/<version>/jars, and compiles the small main that runs one node
# in-process (services/api/test/opensearch/OpenSearchTestNode.java). Idempotent: re-fetches only
# when the pom changed; Maven caches downloads in ~/.m2. Needs Java 17+ and Maven on PATH.
set -euo pipefail

src_dir="$(cd "$(dirname "$0")/../services/api/test/opensearch" && pwd)"
pom="$src_dir/pom.xml"
src="$src_dir/OpenSearchTestNode.java"
version="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$pom")"
out="${ISOSCRIBE_OPENSEARCH_HOME:-$HOME/.cache/isoscribe/opensearch/$version}"
stamp="$out/jars/.pom.sha256"

for tool in java javac mvn; do
  command -v "$tool" >/dev/null || { echo "ci-install-opensearch: '$tool' not found; install Java 17+ and Maven" >&2; exit 1; }
done

want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  rm -rf "$out/jars"
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/jars"
  echo "$want" > "$stamp"
fi

if [[ ! -f "$out/classes/OpenSearchTestNode.class" || "$src" -nt "$out/classes/OpenSearchTestNode.class" ]]; then
  javac -d "$out/classes" -cp "$out/jars/*" "$src"
fi
echo "opensearch $version ready in $out"
