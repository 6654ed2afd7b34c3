#!/usr/bin/env bash
# Fetch the jars of Apache Iceberg's REST catalog server (scripts/iceberg-rest/pom.xml, all
# from Maven Central) into .cache/iceberg-rest/lib, with Maven's local repository in
# .cache/m2. Idempotent: when the jars match the POM (by SHA-256) it does nothing. Needs
# Java 17 and Maven (mvn). Prints the jar directory on its last line.
#
#   bash scripts/iceberg-rest.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="$root/scripts/iceberg-rest/pom.xml"
dest="$root/.cache/iceberg-rest"
stamp="$dest/.pom.sha256"

for tool in java mvn; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "iceberg-rest: $tool not found; the REST catalog test needs Java 17 and Maven" >&2
		exit 1
	fi
done

want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [ -d "$dest/lib" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "$dest/lib"
	exit 0
fi

echo "iceberg-rest: fetching the REST catalog server's jars into $dest/lib" >&2
rm -rf "$dest/lib.tmp" "$stamp"
mkdir -p "$dest"
mvn -q -B -Dstyle.color=never -f "$pom" -Dmaven.repo.local="$root/.cache/m2" \
	dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest/lib.tmp" >&2
rm -rf "$dest/lib"
mv "$dest/lib.tmp" "$dest/lib"
echo "$want" >"$stamp"
echo "$dest/lib"
