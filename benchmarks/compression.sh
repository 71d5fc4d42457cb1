#!/usr/bin/env bash
# permessage-deflate on and off (pulse.compression.enabled): bytes on the wire and server CPU per delivery for a chat
# payload and a 4 KiB JSON payload, and memory per idle connection. Every client offers permessage-deflate; the
# server's setting decides. Usage: benchmarks/compression.sh [subscribers] [messages] [idle connections]
# (defaults 100, 300, 1000). SKIP_BUILD=1 reuses the built jar. Loopback only, bounded: each delivery run ends
# within 120 s, the idle clients hold for at most 60 s, and each server is stopped at the end of its round.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=${1:-100}; MESSAGES=${2:-300}; IDLE=${3:-1000}
ulimit -n $((IDLE + 4096)) 2>/dev/null || true
if [ -z "${SKIP_BUILD:-}" ]; then mvn -q -B -Pbenchmarks -pl benchmarks -am package -DskipTests; fi
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
CP=benchmarks/target/classes
BENCH=io.github.pulse.bench.compression.CompressionBench
for ENABLED in false true; do
  PORT=$((20000 + RANDOM % 10000))
  java -Xmx1g -cp "$JAR" -Dloader.main=io.github.pulse.bench.PulseBenchServer \
    org.springframework.boot.loader.launch.PropertiesLauncher --server.port=$PORT --logging.level.root=WARN \
    --pulse.compression.enabled=$ENABLED > /tmp/pulse-bench-compression.log 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for i in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
  # the first run warms the JIT up and is not reported
  java -cp "$JAR" -Dloader.main=$BENCH org.springframework.boot.loader.launch.PropertiesLauncher \
    deliveries $PORT $SERVER "$SUBSCRIBERS" "$MESSAGES" json4k > /dev/null
  for PAYLOAD in chat json4k; do
    java -cp "$JAR" -Dloader.main=$BENCH org.springframework.boot.loader.launch.PropertiesLauncher \
      deliveries $PORT $SERVER "$SUBSCRIBERS" "$MESSAGES" $PAYLOAD
  done
  measure() {
    jcmd $SERVER GC.run > /dev/null; sleep 1; jcmd $SERVER GC.run > /dev/null
    local heap; heap=$(jcmd $SERVER GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
    local rss; rss=$(grep VmRSS /proc/$SERVER/status | grep -oE '[0-9]+')
    echo "$heap $rss"
  }
  read -r HEAP0 RSS0 < <(measure)
  coproc CLIENTS { exec java -cp "$JAR" -Dloader.main=$BENCH org.springframework.boot.loader.launch.PropertiesLauncher \
    idle $PORT "$IDLE" 60; }
  read -r line <&"${CLIENTS[0]}"; echo "idle clients: $line"
  read -r HEAP1 RSS1 < <(measure)
  echo "compression_enabled=$ENABLED idle_connections=$IDLE heap_per_connection_kib=$(( (HEAP1 - HEAP0) * 100 / IDLE ))e-2" \
    "rss_per_connection_kib=$(( (RSS1 - RSS0) * 100 / IDLE ))e-2"
  exec {CLIENTS[1]}>&-
  wait $CLIENTS_PID 2>/dev/null || true
  kill $SERVER; wait $SERVER 2>/dev/null || true
  trap - EXIT
done
