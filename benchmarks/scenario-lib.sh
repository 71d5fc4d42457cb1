# Shared by resume-storm.sh, overload.sh and metrics-cost.sh (sourced, not run): build, start and stop a benchmark
# server, run a generator main. Every server started here is stopped on exit.
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
LAUNCHER=org.springframework.boot.loader.launch.PropertiesLauncher
SERVERS=()
stop_servers() { for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; SERVERS=(); }
trap stop_servers EXIT

raise_fd_limit() { # descriptors needed
  ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" -lt "$1" ]; then echo "warning: ulimit -n is $(ulimit -n), below $1" >&2; fi
}

build() { if [ -z "${SKIP_BUILD:-}" ]; then mvn -q -B ${MVN_FLAGS:-} -Pbenchmarks -pl benchmarks -am package -DskipTests; fi; }

# start_server main-class log-file spring-args... : sets PORT and SERVER_PID, returns once HTTP answers (60 s at most)
start_server() {
  local main=$1 log=$2; shift 2
  PORT=$((20000 + RANDOM % 10000))
  java -Xmx${SERVER_HEAP:-1g} -cp "$JAR" -Dloader.main="$main" $LAUNCHER --server.port=$PORT \
    --server.tomcat.max-connections=30000 --server.tomcat.accept-count=4096 --logging.level.root=WARN "$@" > "$log" 2>&1 &
  SERVER_PID=$!
  SERVERS+=("$SERVER_PID")
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.5; done
  echo "server $main did not start, see $log" >&2; return 1
}

stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; SERVERS=("${SERVERS[@]/$1}"); }

generator() { # main-class args... : the generator JVM
  local main=$1; shift
  java -Xmx${GENERATOR_HEAP:-1g} -cp "$JAR" -Dloader.main="$main" $LAUNCHER "$@"
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
