#!/usr/bin/env bash
# Fetches the MongoDB-wire test server for services/api (mongo-java-server, in-memory backend)
# into services/api/.mongo-wire/ (gitignored) and compiles its tiny main. Idempotent: a second
# run with the jars present does nothing; Maven caches downloads in ~/.m2, so it also works offline
# once the cache is warm. Needs Java 17+ and Maven on PATH.
set -euo pipefail

api_dir="$(cd "$(dirname "$0")/../../services/api" && pwd)"
out="$api_dir/.mongo-wire"
bash "$(dirname "$0")/java-test-server.sh" ci-install-mongo-wire "$api_dir/test/mongo-wire/pom.xml" "$api_dir/test/mongo-wire/MongoWireServer.java" "$out"
echo "mongo-wire server ready in $out"
