#!/usr/bin/env bash
# Idle memory per connection of the pulse server: heap after a full GC and RSS, with N idle connections minus
# with none. Usage: benchmarks/idle-memory.sh [connections] [extra server args...]
# pulse on WebFlux and Reactor Netty instead of Tomcat: pass --spring.main.web-application-type=reactive.
# SERVER_MAIN picks the server (default io.github.pulse.bench.PulseBenchServer; "socketio" runs the Node peer,
# benchmarks/socketio/server.js, whose heap is not measured: RSS only); SKIP_BUILD=1 reuses the built jar.
# PROTOCOL (pulse, raw, stomp, socketio) makes the idle clients speak the server's protocol (handshake, keepalives).
# IDLE_CSV=<file> also appends "server,heap_kib,rss_kib" (KiB per connection; header written when the file is new) for
# the charts (io.github.pulse.bench.charts.Charts), the server named by LABEL (default from SERVER_MAIN: PulseBenchServer
# is pulse); the heap column is empty for Node.
# PROFILE_DIR=<dir> also writes, before and after the connections, the server's class histogram (after a full GC) and,
# when SERVER_JAVA_OPTS has -XX:NativeMemoryTracking=summary, its native memory summary, and prints the classes and
# native categories that grew the most, per connection; HEAP_DUMP=1 also dumps the heap there (heap-before.hprof,
# heap-after.hprof: benchmarks/heap-owners.py says who holds the arrays).
# Loopback only, bounded: the clients hold for at most 120 s and the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}; shift || true
# each side holds N sockets: raise the descriptor limit (root may; others keep theirs and are told)
ulimit -n $((N + 4096)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((N + 1024)) ]; then echo "warning: ulimit -n is $(ulimit -n), too low for $N connections" >&2; fi
if [ -z "${SKIP_BUILD:-}" ]; then mvn -q -B -Pbenchmarks -pl benchmarks -am package -DskipTests; fi
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
PORT=$((20000 + RANDOM % 10000))
if [ "${SERVER_MAIN:-}" = socketio ]; then
  if [ ! -d benchmarks/socketio/node_modules ]; then (cd benchmarks/socketio && npm ci --no-audit --no-fund > /dev/null); fi
  node benchmarks/socketio/server.js $PORT > /tmp/pulse-bench-server.log 2>&1 &
else
  java -Xmx1g ${SERVER_JAVA_OPTS:-} -cp "$JAR" -Dloader.main="${SERVER_MAIN:-io.github.pulse.bench.PulseBenchServer}" \
    org.springframework.boot.loader.launch.PropertiesLauncher --server.port=$PORT \
    --server.tomcat.max-connections=$((N + 1000)) --server.tomcat.accept-count=1000 --logging.level.root=WARN "$@" > /tmp/pulse-bench-server.log 2>&1 &
fi
SERVER=$!
# stop the server at the end; a JVM whose heap is exhausted may never finish its shutdown hooks: kill it after 10 s
stop_server() {
  kill $SERVER 2>/dev/null || return 0
  for _ in $(seq 1 20); do kill -0 $SERVER 2>/dev/null || return 0; sleep 0.5; done
  kill -9 $SERVER 2>/dev/null || true
}
trap stop_server EXIT
for i in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
measure() {
  local heap=n/a
  if [ "${SERVER_MAIN:-}" != socketio ]; then
    jcmd $SERVER GC.run > /dev/null; sleep 1; jcmd $SERVER GC.run > /dev/null
    heap=$(jcmd $SERVER GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  else
    sleep 1
  fi
  local rss; rss=$(grep VmRSS /proc/$SERVER/status | grep -oE '[0-9]+')
  # after the RSS is read: a heap dump or a histogram may grow it
  if [ -n "${PROFILE_DIR:-}" ] && [ "$heap" != n/a ]; then
    mkdir -p "$PROFILE_DIR"
    jcmd $SERVER GC.class_histogram > "$PROFILE_DIR/histogram-$1.txt"
    jcmd $SERVER VM.native_memory summary > "$PROFILE_DIR/native-$1.txt" 2>&1 || true
    if [ -n "${HEAP_DUMP:-}" ]; then
      jcmd $SERVER GC.heap_dump -overwrite "$(cd "$PROFILE_DIR" && pwd)/heap-$1.hprof" > /dev/null
    fi
  fi
  echo "$heap $rss"
}
read -r HEAP0 RSS0 < <(measure before)
CP=benchmarks/target/classes
case "${PROTOCOL:-}" in
  stomp) URL_PATH=/stomp ;;
  socketio) URL_PATH="/socket.io/?EIO=4&transport=websocket&room=bench" ;;
  *) URL_PATH=/pulse ;;
esac
coproc CLIENTS { exec java -cp "$CP" io.github.pulse.bench.IdleClients "ws://127.0.0.1:$PORT$URL_PATH" "$N" 120 ${PROTOCOL:-}; }
read -r line <&"${CLIENTS[0]}"; echo "clients: $line"
read -r HEAP1 RSS1 < <(measure after)
echo "connections=$N heap_before_kib=$HEAP0 heap_after_kib=$HEAP1 rss_before_kib=$RSS0 rss_after_kib=$RSS1"
if [ "$HEAP1" = n/a ]; then HEAP_PER=n/a; else HEAP_PER="$(( (HEAP1 - HEAP0) * 100 / N ))e-2"; fi
echo "heap_per_connection_kib=$HEAP_PER rss_per_connection_kib=$(( (RSS1 - RSS0) * 100 / N ))e-2"
if [ -n "${PROFILE_DIR:-}" ] && [ "$HEAP1" != n/a ]; then
  echo "heap per connection by class (bytes, instances; the 25 that grew most):"
  awk -v n="$N" 'FNR == 1 { file++ } $1 ~ /^[0-9]+:$/ { key = $4; for (i = 5; i <= NF; i++) key = key " " $i
      if (file == 1) { b[key] -= $3; c[key] -= $2 } else { b[key] += $3; c[key] += $2 } }
    END { for (k in b) printf "%10.1f %8.2f %s\n", b[k] / n, c[k] / n, k }' \
    "$PROFILE_DIR/histogram-before.txt" "$PROFILE_DIR/histogram-after.txt" | sort -rn | sed -n 1,25p
  if grep -q committed= "$PROFILE_DIR/native-after.txt"; then
    echo "native memory per connection by category (committed bytes):"
    awk -v n="$N" 'FNR == 1 { file++ } /^-? *[A-Za-z ]+ \(reserved=/ { sub(/^- */, ""); name = $0; sub(/ *\(reserved=.*/, "", name)
        kb = $0; sub(/.*committed=/, "", kb); sub(/KB.*/, "", kb); v[name] += (file == 1 ? -kb : kb) }
      END { for (k in v) printf "%10.1f %s\n", v[k] * 1024 / n, k }' \
      "$PROFILE_DIR/native-before.txt" "$PROFILE_DIR/native-after.txt" | sort -rn | sed -n 1,12p
  fi
fi
kill $CLIENTS_PID 2>/dev/null || true
if [ -n "${IDLE_CSV:-}" ]; then
  MAIN=${SERVER_MAIN:-io.github.pulse.bench.PulseBenchServer}; NAME=${MAIN##*.}; NAME=${NAME%BenchServer}
  [ -s "$IDLE_CSV" ] || echo "server,heap_kib,rss_kib" > "$IDLE_CSV"
  if [ "$HEAP1" = n/a ]; then HEAP_DELTA=; else HEAP_DELTA=$((HEAP1 - HEAP0)); fi
  awk -v s="${LABEL:-${NAME,,}}" -v h="$HEAP_DELTA" -v r=$((RSS1 - RSS0)) -v n="$N" \
    'BEGIN { if (h == "") printf "%s,,%.2f\n", s, r / n; else printf "%s,%.2f,%.2f\n", s, h / n, r / n }' >> "$IDLE_CSV"
fi
