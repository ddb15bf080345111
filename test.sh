#!/usr/bin/env bash
# Runs every test Vigil has, on a clean machine: installs what is missing (PostgreSQL, Chromium), starts a
# throwaway PostgreSQL on a free loopback port, runs each test project, stops what it started, and ends with
# one line: "N passed, N failed[, N skipped]". Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
configuration=${CONFIGURATION:-Debug}

log() { printf '[test.sh] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# 1. What the tests need from the machine.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fc-list >/dev/null 2>&1 || missing+=(fontconfig fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || log "could not install ${missing[*]}; the tests that need them will fail or skip"
fi

# 2. A throwaway PostgreSQL cluster on a free loopback port (unless one is given).
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-test.XXXXXX")
pg_started=""
cleanup() {
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null
  if [ -n "$pg_started" ]; then
    pg_run "$pgbin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( (RANDOM % 20000) + 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

if [ -z "${VIGIL_TEST_POSTGRES:-}" ]; then
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$initdb" ]; then
    pgbin=$(dirname "$initdb")
    port=$(free_port)
    mkdir -p "$work/pg" "$work/sock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$work" && chmod 755 "$work"
    if pg_run "$pgbin/initdb" -D "$work/pg" -U vigil --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
      && pg_run "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 \
           -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" start >/dev/null 2>&1; then
      pg_started=1
      export VIGIL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=vigil;Database=postgres;Pooling=true"
      log "PostgreSQL $($pgbin/postgres --version | awk '{print $3}') on 127.0.0.1:$port"
    else
      log "PostgreSQL did not start; PostgreSQL tests will be skipped"; cat "$work/initdb.log" "$work/pg.log" 2>/dev/null | tail -n 20 >&2
    fi
  fi
fi

# A throwaway Redis (the SignalR backplane across replicas), unless one is given.
redis_pid=""
if [ -z "${VIGIL_TEST_REDIS:-}" ] && command -v redis-server >/dev/null 2>&1; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done
  export VIGIL_TEST_REDIS="127.0.0.1:$redis_port"
  log "Redis on 127.0.0.1:$redis_port"
fi

# 3. Build once, then run each test project.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
log "building"
if ! dotnet build Vigil.slnx -c "$configuration" -v quiet -nologo >"$work/build.log" 2>&1; then
  grep -E 'error|Error' "$work/build.log" | sort -u | head -n 40 >&2
  echo "0 passed, 1 failed"; exit 1
fi

passed=0; failed=0; skipped=0
for project in tests/*/; do
  name=$(basename "$project")
  [ -f "$project/$name.csproj" ] || continue
  results="$work/results/$name"
  log "running $name"
  dotnet test --project "$project" -c "$configuration" --no-build --report-trx --results-directory "$results" \
    --output Detailed 2>&1 | grep -vE '^\s*$' | grep -E 'failed |error|Error|Exception|^\s+at Vigil\.|passed \(|Test run summary|total:|failed:|succeeded:|skipped:' | grep -vE '^passed ' || true
  trx=$(ls "$results"/*.trx 2>/dev/null | head -n 1)
  if [ -z "$trx" ]; then
    log "$name produced no results"; failed=$((failed + 1)); continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + t - x))
done

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
