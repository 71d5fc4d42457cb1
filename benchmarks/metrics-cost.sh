#!/usr/bin/env bash
# Metrics cost: fan-out at one fixed rate near saturation (RATE msg/s to SUBSCRIBERS, argument 1, default 1000),
# one fresh pulse server per run, metrics on (defaults: Micrometer meters with the Prometheus registry, observations)
# and off (PulseMetricsAutoConfiguration excluded, so the engine uses its no-op observer, and
# management.observations.enable.pulse=false) alternating ROUNDS times each (io.github.pulse.bench.load.MetricsCost);
# reports the median deliveries/s and server CPU per delivery of each side and their ratio. Prints a markdown
# fragment to stdout, or to the file given as argument 2. Bounded: about 2.5 minutes; every server is stopped.
# Environment: RATE (150: at or just above saturation on the reference machine), ROUNDS (3), PUBLISHERS (2), PREWARM_MS (3000), WARMUP_MS (1000), STEP_MS (4000),
#   SERVER_HEAP (1g), SKIP_BUILD, MVN_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/scenario-lib.sh
SUBSCRIBERS=${1:-1000}
OUT=${2:-}
raise_fd_limit $((2 * SUBSCRIBERS + 4096))
build
FRAGMENT=$(mktemp)
LOAD=$(load_average)
# the main starts and stops each server itself (and destroys it if it fails); timeout bounds the whole run
timeout 300 java -Xmx1g -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.MetricsCost $LAUNCHER --jar="$JAR" \
  --subscribers="$SUBSCRIBERS" --publishers="${PUBLISHERS:-2}" --rate="${RATE:-150}" --rounds="${ROUNDS:-3}" \
  --prewarm-ms="${PREWARM_MS:-3000}" --warmup-ms="${WARMUP_MS:-1000}" --step-ms="${STEP_MS:-4000}" \
  --server-heap="${SERVER_HEAP:-1g}" --out="$FRAGMENT"
{
  echo "### Metrics cost"
  echo
  cat "$FRAGMENT"
  echo
  echo "Metrics off: \`--spring.autoconfigure.exclude=io.github.pulse.autoconfigure.PulseMetricsAutoConfiguration\`"
  echo "\`--management.observations.enable.pulse=false\` (no pulse meter exists or is called). Load average (1, 5, 15 min)"
  echo "before the run: $LOAD, after: $(load_average)."
} > "${OUT:-/dev/stdout}"
rm -f "$FRAGMENT"
