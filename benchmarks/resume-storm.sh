#!/usr/bin/env bash
# Resume storm: CLIENTS (argument 1, default 5000) pulse clients connect through an in-process TCP proxy and join a
# room, a publisher broadcasts RATE messages/s with a counter in the payload, the proxy resets every connection at
# once (no close frame) and every client resumes with its token and lastSeq after a random delay up to JITTER_MS
# while the broadcasts go on (io.github.pulse.bench.load.ResumeStorm). Prints a markdown fragment to stdout, or to
# the file given as argument 2. Bounded: about a minute; the server is stopped at the end.
# Environment: RATE (5), JITTER_MS (1000), BEFORE_MS (3000), AFTER_MS (3000), SOURCES (4), LOOPS (1), ACK_EVERY (20),
#   SERVER_HEAP (1g), SKIP_BUILD, MVN_FLAGS.
# Server: pulse's defaults (resume window 30 s, replay buffer 1024 frames / 4 MiB, which the clients' acks keep far
#   from full, 30 failed resumes per address and minute); SERVER_ARGS adds Spring arguments, e.g.
#   "--pulse.resume.max-failures-per-minute=100000" (every client comes through the proxy's few source addresses).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/scenario-lib.sh
CLIENTS=${1:-5000}
OUT=${2:-}
raise_fd_limit $((3 * CLIENTS + 4096))
build
LOG=$(mktemp)
LOAD=$(load_average)
start_server io.github.pulse.bench.PulseBenchServer "$LOG" ${SERVER_ARGS:-}
FRAGMENT=$(mktemp)
timeout 170 java -Xmx1g -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.ResumeStorm $LAUNCHER --port=$PORT \
  --clients="$CLIENTS" --rate="${RATE:-5}" --jitter-ms="${JITTER_MS:-1000}" --before-ms="${BEFORE_MS:-3000}" \
  --after-ms="${AFTER_MS:-3000}" --sources="${SOURCES:-4}" --loops="${LOOPS:-1}" --ack-every="${ACK_EVERY:-20}" \
  --out="$FRAGMENT"
stop_server "$SERVER_PID"
{
  echo "### Resume storm"
  echo
  cat "$FRAGMENT"
  echo
  echo "Server: PulseBenchServer, \`-Xmx${SERVER_HEAP:-1g}\`, pulse's default settings${SERVER_ARGS:+ and \`$SERVER_ARGS\`}; generator and server share the machine ($(nproc) cores)."
  echo "Load average (1, 5, 15 min) before the run: $LOAD."
} > "${OUT:-/dev/stdout}"
rm -f "$FRAGMENT" "$LOG"
