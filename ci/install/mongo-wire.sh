#!/usr/bin/env bash
# Fetches the MongoDB-wire test server for services/api (mongo-java-server, in-memory backend)
# into services/api/.mongo-wire/ (gitignored) and compiles its tiny main. Idempotent: a second
# run with the jars present does nothing; Maven caches downloads in ~/.m2, so it also works offline
# once the cache is warm. Needs Java 17+ and Maven on PATH.
set -euo pipefail

api_dir="$(cd "$(dirname "$0")/../../services/api" && pwd)"
pom="$api_dir/test/mongo-wire/pom.xml"
src="$api_dir/test/mongo-wire/MongoWireServer.java"
out="$api_dir/.mongo-wire"
stamp="$out/jars/.pom.sha256"

for tool in java javac mvn; do
  command -v "$tool" >/dev/null || { echo "ci-install-mongo-wire: '$tool' not found; install Java 17+ and Maven" >&2; exit 1; }
done

# Re-fetch only when the pom changed (the stamp holds its checksum).
want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  rm -rf "$out/jars"
  mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/jars"
  echo "$want" > "$stamp"
fi

# Precompiling saves ~0.5 s per server start over single-file source launch.
if [[ ! -f "$out/classes/MongoWireServer.class" || "$src" -nt "$out/classes/MongoWireServer.class" ]]; then
  javac -d "$out/classes" -cp "$out/jars/*" "$src"
fi
echo "mongo-wire server ready in $out"
