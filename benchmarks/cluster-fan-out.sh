#!/usr/bin/env bash
# Fan-out across three pulse nodes against one, on a real Redis (pulse.cluster.enabled=true, docs/scaling.md):
#   baseline: one node, cluster off (no Redis in the path);              skipped with BASELINE=0
#   one:      one node, cluster on (every broadcast also goes through Redis and comes back to the node);
#   three:    NODES nodes (3), cluster on, same Redis, the subscribers spread evenly (round-robin) over them and the
#             publishers all connected to the first node, so that the other nodes get every message through Redis only.
# All runs use the same rates and the same generator (io.github.pulse.bench.load.FanOutMain, --ports for several
# nodes), which samples the CPU of every pulse process and of redis-server. The nodes only get public configuration
# (pulse.cluster.*, spring.data.redis.*), so the harness keeps working whatever the bridge does inside.
# Usage: benchmarks/cluster-fan-out.sh [subscribers (1000)] [OUT.md (standard output)], as the other scenario scripts
# Environment: NODES (3), PUBLISHERS (2), RATES (messages/s, comma-separated), PREWARM_MS (3000), WARMUP_MS (1000),
#   STEP_MS (2000), STOP_P99_MS (500), SOURCES (4), LOOPS (1), HEAP_MB (1024: the single node's heap; each of the
#   NODES nodes gets HEAP_MB / NODES), BASELINE (1), SKIP_BUILD (unset), MVN_FLAGS, REDIS_SERVER (/usr/bin/redis-server
#   or the one on the PATH).
# Loopback only and bounded: every step is time-limited, a run stops after the first step whose p99 exceeds
# STOP_P99_MS, and everything started here (pulse nodes, redis-server) is stopped when the script exits.
set -euo pipefail
OUT=/dev/stdout
if [ -n "${2:-}" ]; then OUT=$(realpath -m "$2"); fi
cd "$(dirname "$0")/.."
N=${1:-1000}
NODES=${NODES:-3}
PUBLISHERS=${PUBLISHERS:-2}
RATES=${RATES:-20,40,60,80,100,130,160,200,250,320,400,500}
PREWARM_MS=${PREWARM_MS:-3000}
WARMUP_MS=${WARMUP_MS:-1000}
STEP_MS=${STEP_MS:-2000}
STOP_P99_MS=${STOP_P99_MS:-500}
SOURCES=${SOURCES:-4}
LOOPS=${LOOPS:-1}
HEAP_MB=${HEAP_MB:-1024}
BASELINE=${BASELINE:-1}
REDIS=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
if [ ! -x "$REDIS" ]; then echo "redis-server not found (Debian: apt-get install -y redis-server; or set REDIS_SERVER)" >&2; exit 1; fi
ulimit -n $((N + 4096)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((N + 1024)) ]; then echo "warning: ulimit -n is $(ulimit -n), too low for $N connections" >&2; fi
if [ -z "${SKIP_BUILD:-}" ]; then mvn -q -B ${MVN_FLAGS:-} -Pbenchmarks -pl benchmarks -am package -DskipTests; fi
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
LAUNCHER=org.springframework.boot.loader.launch.PropertiesLauncher
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# a free port below the kernel's ephemeral range (32768 and up by default), so that the generator's and other
# processes' outgoing connections cannot take it between this check and the server's bind
free_port() { python3 -c '
import random, socket
while True:
    port = random.randrange(20000, 32000)
    try:
        with socket.socket() as s:
            s.bind(("0.0.0.0", port))
        print(port)
        break
    except OSError:
        pass'; }
stop() { kill "$@" 2>/dev/null || true; for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
  local keep=() pid gone; for pid in "${PIDS[@]}"; do gone=; for p in "$@"; do [ "$p" = "$pid" ] && gone=1; done; [ -z "$gone" ] && keep+=("$pid"); done
  PIDS=("${keep[@]}"); }

REDIS_PORT=$(free_port)
"$REDIS" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no > "$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
REDIS_VERSION=$("$REDIS" --version | sed -E 's/.*v=([^ ]+).*/\1/')

# start_nodes label count cluster(true|false): starts the nodes, waits until each serves (and, with the cluster, sees
# all the others in /actuator/pulse); sets NODE_PORTS and NODE_PIDS (comma-separated)
start_nodes() {
  local label=$1 count=$2 cluster=$3 heap=$((HEAP_MB / $2)) prefix="bench-$RANDOM:" ports=() pids=() i port
  for i in $(seq 1 "$count"); do
    port=$(free_port)
    java -Xmx${heap}m -cp "$JAR" -Dloader.main=io.github.pulse.bench.PulseBenchServer $LAUNCHER --server.port="$port" \
      --server.tomcat.max-connections=$((N + 1000)) --server.tomcat.accept-count=1000 --logging.level.root=WARN \
      --management.endpoints.web.exposure.include=health,pulse,prometheus \
      --pulse.cluster.enabled="$cluster" --pulse.cluster.node-id="$label-$i" --pulse.cluster.key-prefix="$prefix" \
      --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT" --spring.data.redis.timeout=10s \
      > "$WORK/$label-node-$i.log" 2>&1 &
    PIDS+=("$!"); pids+=("$!"); ports+=("$port")
  done
  for i in $(seq 1 "$count"); do
    port=${ports[$((i - 1))]}
    for _ in $(seq 1 600); do
      curl -s -o /dev/null "http://127.0.0.1:$port/actuator/health" && break
      if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then break; fi
      sleep 0.5
    done
    if ! curl -s -o /dev/null "http://127.0.0.1:$port/actuator/health"; then
      echo "$label node $i (port $port) did not start; its log:" >&2; tail -40 "$WORK/$label-node-$i.log" >&2; exit 1
    fi
    if [ "$cluster" = true ]; then
      for _ in $(seq 1 60); do curl -s "http://127.0.0.1:$port/actuator/pulse" | grep -q "\"nodes\":$count[,}]" && break; sleep 0.5; done
      curl -s "http://127.0.0.1:$port/actuator/pulse" | grep -q "\"nodes\":$count[,}]" \
        || echo "warning: node on port $port does not see $count node(s) in the cluster" >&2
    fi
  done
  NODE_PORTS=$(IFS=,; echo "${ports[*]}"); NODE_PIDS=$(IFS=,; echo "${pids[*]}")
  HEAP_OF[$label]=$heap
}

declare -A HEAP_OF LOAD_OF COUNTED_OF
run() { # label nodes cluster(true|false)
  local label=$1 count=$2 cluster=$3 others=()
  LOAD_OF[$label]=$(cut -d' ' -f1-3 /proc/loadavg)
  start_nodes "$label" "$count" "$cluster"
  if [ "$cluster" = true ]; then others=(--other-pids="redis-server:$REDIS_PID"); fi
  java -Xmx512m -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.FanOutMain $LAUNCHER --ports="$NODE_PORTS" \
    --subscribers="$N" --publishers="$PUBLISHERS" --rates="$RATES" \
    --prewarm-ms="$PREWARM_MS" --warmup-ms="$WARMUP_MS" --step-ms="$STEP_MS" --stop-p99-ms="$STOP_P99_MS" \
    --sources="$SOURCES" --loops="$LOOPS" --server-pid="$NODE_PIDS" "${others[@]}" --label="$label" --out="$WORK/$label"
  # what the nodes counted: deliveries the generator never got must show here (dropped for a full send buffer,
  # or lost beyond the room streams and told in missed), or they were lost silently
  # (and, to explain a gap between the two, what else ended or failed: closed connections, dropped transports,
  # failed cluster publishes, frames evicted from resume buffers)
  local dropped=0 missed=0 closed=0 transports=0 failures=0 evicted=0 port
  sum() { awk -v t="$1" -v pattern="$2" '$0 ~ pattern { t += $NF } END { printf "%.0f", t }' <<< "$3"; }
  IFS=, read -r -a node_ports <<< "$NODE_PORTS"
  for port in "${node_ports[@]}"; do
    local scrape; scrape=$(curl -s "http://127.0.0.1:$port/actuator/prometheus" || true)
    dropped=$(sum "$dropped" '^pulse_frames_dropped_total.*send-buffer-overflow' "$scrape")
    missed=$(sum "$missed" '^pulse_cluster_broadcasts_missed_total' "$scrape")
    closed=$(sum "$closed" '^pulse_connections_closed_total' "$scrape")
    transports=$(sum "$transports" '^pulse_transports_dropped_total' "$scrape")
    failures=$(sum "$failures" '^pulse_cluster_publish_failures_total' "$scrape")
    evicted=$(sum "$evicted" '^pulse_frames_dropped_total.*resume-buffer-overflow' "$scrape")
  done
  COUNTED_OF[$label]="frames dropped for a full send buffer and counted (pulse.frames.dropped{cause=send-buffer-overflow}, all nodes): $dropped; broadcasts lost beyond the streams and told in missed (pulse.cluster.broadcasts.missed, per node receiving them): $missed; besides: connections closed $closed, transports dropped $transports (the generator dropping its own at the end included), cluster publishes failed $failures, frames evicted from resume buffers $evicted"
  IFS=, read -r -a started <<< "$NODE_PIDS"
  stop "${started[@]}"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
RUNS=()
if [ "$BASELINE" = 1 ]; then run baseline 1 false; RUNS+=(baseline); fi
run one 1 true; RUNS+=(one)
run three "$NODES" true; RUNS+=(three)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(( $(date +%s) - START ))

prop() { grep "^$2=" "$WORK/$1.properties" | cut -d= -f2 || true; }
ratio() { if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi; }
# column label rate name: a value from the run's CSV (columns by header name); empty if the rate was not reached
column() { awk -F, -v rate="$2" -v name="$3" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $5 + 0 == rate + 0 && (name in col) { print $col[name]; exit }' "$WORK/$1.csv"; }
# redis-server's share, and the CPU of all processes (nodes + redis-server) in percent of one core
redis_cpu() { column "$1" "$2" cpu_pct_redis-server; }
total_cpu() { local s r; s=$(column "$1" "$2" server_cpu_pct); r=$(redis_cpu "$1" "$2")
  if [ -n "$s" ]; then awk -v s="$s" -v r="${r:-0}" 'BEGIN { printf "%.0f", s + r }'; fi; }
fmt() { if [ -n "$1" ]; then awk -v v="$1" -v d="${2:-0}" 'BEGIN { printf "%." d "f", v }'; else echo "–"; fi; }
title() { case "$1" in baseline) echo "1 node, cluster off" ;; one) echo "1 node, cluster on" ;; three) echo "$NODES nodes, cluster on" ;; esac; }

CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
IFS=, read -r -a RATE_LIST <<< "$RATES"
{
  echo "### Fan-out across $NODES nodes against one (cluster on Redis)"
  echo
  echo "Written by \`benchmarks/cluster-fan-out.sh $N\` on $(date -u '+%Y-%m-%d %H:%M UTC') in ${ELAPSED} s."
  echo "$N subscribers and $PUBLISHERS publishers in one room, the same rates and generator for every run: \`chat\` at the"
  echo "given total rate, broadcast by the node the publisher is on and, with the cluster on, through Redis to the other"
  echo "nodes. In the $NODES-node run the subscribers are spread evenly over the nodes (round-robin) and **the publishers"
  echo "are all connected to node 1**, so $((NODES - 1)) of $NODES subscribers get each message only through Redis."
  echo
  echo "**Read this as a cost, not a speed-up.** Everything runs on one machine with $(nproc) cores: the $NODES JVMs,"
  echo "redis-server and the generator compete for the same cores, so more nodes cannot add capacity here. What the"
  echo "$NODES-node run measures is the cost of the Redis hop (a \`PUBLISH\` per broadcast, decoding on every node) and"
  echo "of every node receiving every broadcast, spread over $NODES processes with a third of the heap each."
  echo "On separate machines each node would carry about 1/$NODES of the deliveries."
  echo
  echo "- CPU: $CPU_MODEL, $(nproc) cores; kernel $(uname -r); JVM: $(java -version 2>&1 | sed -n 2p); Redis $REDIS_VERSION"
  echo "  (\`--save '' --appendonly no\`, loopback)."
  echo "- Heap: the single node \`-Xmx${HEAP_MB}m\`, each of the $NODES nodes \`-Xmx$((HEAP_MB / NODES))m\`; pulse defaults"
  echo "  otherwise (\`pulse.cluster.enabled\`, \`spring.data.redis.*\` set, \`spring.data.redis.timeout=10s\`: on a busy machine the Redis handshake can take over a second while the JVMs start)."
  echo "- Steps: ${PREWARM_MS} ms prewarm at the first rate, then ${WARMUP_MS} ms warmup + ${STEP_MS} ms measured per rate; a run"
  echo "  stops after the first step with p99 over $STOP_P99_MS ms. Latency runs from the scheduled send time to arrival."
  echo "  *Sustained*: p99 under 100 ms, nothing lost or unsent. CPU in percent of one core; *all* = every pulse node"
  echo "  plus redis-server."
  echo "- Load average (1, 5, 15 min): $LOAD_BEFORE before, $LOAD_AFTER after; before each run:"
  echo "  $(for r in "${RUNS[@]}"; do printf '%s %s; ' "$r" "${LOAD_OF[$r]}"; done)"
  echo
  echo "| run | highest sustained rate (msg/s) | deliveries/s there | p99 there (ms) | saturation deliveries/s | generator errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for r in "${RUNS[@]}"; do
    saturated=$(awk -F, -v stop="$STOP_P99_MS" 'NR > 1 { last = $9 } END { print (last + 0 > stop + 0) ? "" : " (not saturated: the last rate did not stop the run)" }' "$WORK/$r.csv")
    echo "| $(title "$r")$saturated | $(prop "$r" knee_rate) | $(prop "$r" knee_deliveries) | $(prop "$r" knee_p99) | $(prop "$r" saturation) | $(prop "$r" errors) |"
  done
  echo
  echo "Ratios $NODES nodes / 1 node (both cluster on): saturation deliveries/s $(ratio "$(prop three saturation)" "$(prop one saturation)"),"
  echo "highest sustained rate $(ratio "$(prop three knee_rate)" "$(prop one knee_rate)")."
  if [ "$BASELINE" = 1 ]; then
    echo "Cluster on / off on one node: saturation deliveries/s $(ratio "$(prop one saturation)" "$(prop baseline saturation)"),"
    echo "highest sustained rate $(ratio "$(prop one knee_rate)" "$(prop baseline knee_rate)")."
  fi
  echo
  echo "Per rate, $NODES nodes against 1 node (cluster on both; – where a run had stopped):"
  echo
  echo "| rate (msg/s) | deliveries/s 1 / $NODES | ratio | p50 ms 1 / $NODES | p99 ms 1 / $NODES | CPU all 1 / $NODES | ratio | redis-server CPU 1 / $NODES | µs CPU (all) per delivery 1 / $NODES |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for rate in "${RATE_LIST[@]}"; do
    d1=$(column one "$rate" deliveries_per_s); d3=$(column three "$rate" deliveries_per_s)
    if [ -z "$d1" ] && [ -z "$d3" ]; then continue; fi
    c1=$(total_cpu one "$rate"); c3=$(total_cpu three "$rate")
    us1=; us3=
    if [ -n "$c1" ] && [ -n "$d1" ]; then us1=$(awk -v c="$c1" -v d="$d1" 'BEGIN { if (d > 0) printf "%.1f", c * 1e4 / d }'); fi
    if [ -n "$c3" ] && [ -n "$d3" ]; then us3=$(awk -v c="$c3" -v d="$d3" 'BEGIN { if (d > 0) printf "%.1f", c * 1e4 / d }'); fi
    echo "| $rate | $(fmt "$d1") / $(fmt "$d3") | $(ratio "$d3" "$d1") | $(fmt "$(column one "$rate" p50_ms)" 1) / $(fmt "$(column three "$rate" p50_ms)" 1) | $(fmt "$(column one "$rate" p99_ms)" 1) / $(fmt "$(column three "$rate" p99_ms)" 1) | $(fmt "$c1") % / $(fmt "$c3") % | $(ratio "$c3" "$c1") | $(fmt "$(redis_cpu one "$rate")") % / $(fmt "$(redis_cpu three "$rate")") % | $(fmt "$us1" 1) / $(fmt "$us3" 1) |"
  done
  echo
  echo "What the nodes counted at the end of each run (the generator's *lost* must be among these):"
  echo
  for r in "${RUNS[@]}"; do echo "- $(title "$r"): ${COUNTED_OF[$r]}"; done
  echo
  for r in "${RUNS[@]}"; do
    echo "### $(title "$r")"
    echo
    cat "$WORK/$r.md"
    echo
  done
} > "$OUT"
echo "wrote $OUT" >&2
