#!/usr/bin/env bash
# JMH microbenchmarks of the engine on in-memory transports (io.github.pulse.bench.jmh, and the encode benchmark in
# io.github.pulse.core): codec encode/decode, in-process broadcast fan-out (100 and 1,000 recipients) and one send.
# Writes a markdown table (score, error, unit, B/op, per recipient) to the output file and JMH's JSON beside it.
# Usage: benchmarks/jmh.sh [output.md] [JMH arguments, e.g. a benchmark regex such as Broadcast]
# Environment: JMH_SETTINGS (forks, warmup and measurement; default below), SKIP_BUILD=1 reuses the built classes,
#   MVN_FLAGS. In-process only: no sockets, bounded by the JMH settings (about 2 minutes with the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/target/jmh.md}; shift || true
JMH_SETTINGS=${JMH_SETTINGS:--f 1 -wi 3 -w 1s -i 5 -r 1s -jvmArgs -Xmx1g -prof gc}
if [ -z "${SKIP_BUILD:-}" ]; then mvn -q -B ${MVN_FLAGS:-} -Pbenchmarks -pl benchmarks -am package -DskipTests; fi
CP="benchmarks/target/classes:$(cat benchmarks/target/jmh-classpath.txt)"
JSON="${OUT%.md}.json"
# shellcheck disable=SC2086
java -cp "$CP" org.openjdk.jmh.Main $JMH_SETTINGS -rf json -rff "$JSON" "$@"
java -cp "$CP" io.github.pulse.bench.jmh.JmhReport "$JSON" "$OUT"
echo "wrote $OUT and $JSON"
