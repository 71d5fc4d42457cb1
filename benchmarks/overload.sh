#!/usr/bin/env bash
# Overload: SUBSCRIBERS (argument 1, default 1000) subscribers and PUBLISHERS publishers in one room, the publishers
# asking for RATE messages/s (1000: 1M deliveries/s, about ten times what pulse fans out on a 2-core machine) for
# DURATION_MS, against pulse and then the raw Spring WebSocket peer (io.github.pulse.bench.load.Overload). A
# bystander in another room sends echo every 100 ms; the server's heap is sampled with jstat; for pulse,
# pulse_frames_dropped_total is scraped before and after and compared with the seq gaps the clients saw.
# Prints a markdown fragment to stdout, or to the file given as argument 2. Bounded: about 2 minutes; each server
# is stopped when its run ends.
# Environment: PUBLISHERS (4), RATE (1000), DURATION_MS (20000), SOURCES (4), LOOPS (1), ACK_EVERY (100),
#   SERVER_HEAP (1g), PEERS ("pulse raw"; also "dispatch": pulse with pulse.container.inline-write-completions=false),
#   SKIP_BUILD, MVN_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/scenario-lib.sh
SUBSCRIBERS=${1:-1000}
OUT=${2:-}
raise_fd_limit $((2 * SUBSCRIBERS + 4096))
build
WORK=$(mktemp -d)
CONDITIONS=""
HEADER=true
for peer in ${PEERS:-pulse raw}; do
  extra=""
  case $peer in
    pulse) main=io.github.pulse.bench.PulseBenchServer ;;
    dispatch) main=io.github.pulse.bench.PulseBenchServer; extra=--pulse.container.inline-write-completions=false ;;
    raw) main=io.github.pulse.rawbench.RawBenchServer ;;
  esac
  CONDITIONS+="$peer: $(load_average); "
  start_server $main "$WORK/$peer-server.log" --management.endpoints.web.exposure.include=health,prometheus $extra
  metrics=""
  if [ "$peer" != raw ]; then metrics="http://127.0.0.1:$PORT/actuator/prometheus"; fi
  timeout 150 java -Xmx1g -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.Overload $LAUNCHER --port=$PORT \
    --label=$peer --subscribers="$SUBSCRIBERS" --publishers="${PUBLISHERS:-4}" --rate="${RATE:-1000}" \
    --duration-ms="${DURATION_MS:-20000}" --sources="${SOURCES:-4}" --loops="${LOOPS:-1}" \
    --ack-every="${ACK_EVERY:-100}" --server-pid=$SERVER_PID --metrics-url="$metrics" --header=$HEADER \
    --out="$WORK/$peer.md"
  stop_server "$SERVER_PID"
  HEADER=false
done
{
  echo "### Overload"
  echo
  echo "$SUBSCRIBERS subscribers and ${PUBLISHERS:-4} publishers in one room; the publishers ask for ${RATE:-1000} messages/s for"
  echo "$(( ${DURATION_MS:-20000} / 1000 )) s (requested deliveries/s = messages sent per second × room size). A bystander in another room"
  echo "sends \`echo\` every 100 ms and measures the round trip; heap sampled with \`jstat -gc\` every 500 ms (\`-Xmx${SERVER_HEAP:-1g}\`)."
  echo "Dropped (server count) is the increase of \`pulse_frames_dropped_total{cause=\"send-buffer-overflow\"}\`; seq gaps are"
  echo "the frames missing from the clients' \`seq\` sequences: they must be equal. The raw peer sends no seq and has no drop counter."
  echo
  for peer in ${PEERS:-pulse raw}; do cat "$WORK/$peer.md"; done
  echo
  echo "Servers: default settings (pulse: send buffer 256 frames / 1 MiB, drop-oldest; clients ack every ${ACK_EVERY:-100} frames)."
  echo "Load average (1, 5, 15 min) before each run: ${CONDITIONS%; }."
} > "${OUT:-/dev/stdout}"
rm -rf "$WORK"
