#!/usr/bin/env bash
# Shared by the installers of the Java servers the tests start (mongo-wire.sh,
# opensearch.sh): fetches a pom's runtime jars from Maven Central into <out>/jars and
# compiles the server's one-file main into <out>/classes. Idempotent: re-fetches only when the pom
# changed (<out>/jars/.pom.sha256 holds its checksum; Maven caches downloads in ~/.m2), recompiles
# only when the source is newer. Needs Java 17+ and Maven on PATH.
# Usage: java-test-server.sh <name for messages> <pom.xml> <Main.java> <out dir>
set -euo pipefail

name="$1" pom="$2" src="$3" out="$4"
stamp="$out/jars/.pom.sha256"
class="$out/classes/$(basename "$src" .java).class"

for tool in java javac mvn; do
  command -v "$tool" >/dev/null || { echo "$name: '$tool' not found; install Java 17+ and Maven" >&2; exit 1; }
done

want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  rm -rf "$out/jars"
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/jars"
  echo "$want" > "$stamp"
fi

# Precompiling saves ~0.5 s per server start over single-file source launch.
if [[ ! -f "$class" || "$src" -nt "$class" ]]; then
  javac -d "$out/classes" -cp "$out/jars/*" "$src"
fi
