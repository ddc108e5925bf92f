#!/usr/bin/env bash
# Keydesk benchmark. Run from the repository root:   bash benches/run.sh
#
# Builds the release binary, starts its own servers on free 127.0.0.1 ports
# (SQLite files in a temp directory, PostgreSQL databases named keydesk_bench_*),
# measures, prints a summary table, and removes everything it created on exit.
# It reports numbers and whether each target is met; it never fails on a target.
#
# Knobs (environment):
#   WRK_THREADS=2 WRK_CONNS=64 WRK_DURATION=10s   the load of every throughput run
#   WRK_WARMUP=2s        unmeasured run before each measured one ("0" = none)
#   SEED_KEYS=100000     keys in the table for the "many keys" lookup run
#   PAGE_KEYS=1000       keys listed on the Integrations page run
#   COLD_RUNS=10         cold starts timed
#   PG_PORT=5432 PG_USER=postgres   PostgreSQL on 127.0.0.1 (trust auth); SKIP_PG=1 skips it
#   PG_URL_PARAMS=       appended to the app's PostgreSQL URL, e.g. "sslmode=disable"
#                        (by default libpq negotiates TLS if the server offers it)
#   SKIP_BUILD=1         use the existing binary
#   KEYDESK_BIN=path     benchmark another keydesk binary (add SKIP_BUILD=1 to skip cargo)
#   ONLY_PAGE=1          only the Integrations page's weight and time (needs curl and sqlite3,
#                        not wrk or hyperfine)
#   INSTR_REQUESTS=2000  requests per endpoint in the callgrind step (instructions per request)
#   ONLY_INSTRUCTIONS=1  only that step (needs valgrind and python3, not wrk or hyperfine)
#   SKIP_INSTRUCTIONS=1  skip that step (it is also skipped when valgrind is missing)
#   INSTR_KEEP=dir       keep that step's two callgrind profiles in dir
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
WRK_DURATION=${WRK_DURATION:-10s}
WRK_WARMUP=${WRK_WARMUP:-2s}
SEED_KEYS=${SEED_KEYS:-100000}
PAGE_KEYS=${PAGE_KEYS:-1000}
COLD_RUNS=${COLD_RUNS:-10}
PG_HOST=127.0.0.1
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_URL_PARAMS=${PG_URL_PARAMS:-}
SKIP_PG=${SKIP_PG:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
ONLY_PAGE=${ONLY_PAGE:-0}
INSTR_REQUESTS=${INSTR_REQUESTS:-2000}
INSTR_KEEP=${INSTR_KEEP:-}
ONLY_INSTRUCTIONS=${ONLY_INSTRUCTIONS:-0}
SKIP_INSTRUCTIONS=${SKIP_INSTRUCTIONS:-0}

BIN=${KEYDESK_BIN:-target/release/keydesk}
ADMIN_EMAIL=bench@keydesk.test
ADMIN_PASSWORD=bench-password-123
MAIN_KEY_NAME=bench-main
# Throughput runs: the limiter is consulted on every request but never refuses.
export KEYDESK_RATE_LIMIT_REQUESTS=1000000000
# The servers run with their defaults. With RUST_BACKTRACE set, the first logged error
# (a usage write that meets the seeding's write lock, say) resolves a backtrace, which
# maps the binary's debug information: +150 MB of RSS on a build with line tables.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

# ---------------------------------------------------------------- plumbing

log() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'benches/run.sh: %s\n' "$*" >&2; exit 1; }
# shellcheck source=benches/lib.sh
. benches/lib.sh   # the working directory is the repository root from here on

TOOLS=(curl sqlite3 awk ss)
[[ $ONLY_PAGE == 1 || $ONLY_INSTRUCTIONS == 1 ]] || TOOLS+=(wrk hyperfine)
[[ $ONLY_INSTRUCTIONS != 1 ]] || TOOLS+=(valgrind callgrind_control callgrind_annotate python3)
for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y wrk hyperfine curl sqlite3 iproute2)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/keydesk-bench.XXXXXX")
PIDS=()
PG_DBS=()

cleanup() {
    local pid db
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for db in "${PG_DBS[@]}"; do
        pg_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R=()   # every measured value, by name

# One HTTP/1.0 GET without forking curl (for the cold-start poll): 0 if the status is 200.
healthz_ok() {
    local port=$1 line
    (
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        IFS= read -r line <&3 || exit 1
        [[ $line == "HTTP/1."?" 200"* ]]
    ) 2>/dev/null
}

# start_server URL NAME: sets SRV_PID, SRV_PORT, BASE once /healthz answers 200.
# (Another process may take the port between the check and the bind: then it retries.)
start_server() {
    local url=$1 name=$2 attempt i
    SRV_LOG="$TMP/$name.log"
    for attempt in 1 2 3; do
        SRV_PORT=$(free_port)
        "$BIN" serve --addr "127.0.0.1:$SRV_PORT" --database-url "$url" >"$SRV_LOG" 2>&1 &
        SRV_PID=$!
        PIDS+=("$SRV_PID")
        BASE="http://127.0.0.1:$SRV_PORT"
        for i in $(seq 1 2000); do
            healthz_ok "$SRV_PORT" && return 0
            kill -0 "$SRV_PID" 2>/dev/null || break
            sleep 0.005
        done
        if kill -0 "$SRV_PID" 2>/dev/null; then
            tail -20 "$SRV_LOG" >&2
            die "server $name did not answer /healthz within 10 s"
        fi
        wait "$SRV_PID" 2>/dev/null || true
        grep -q "Address already in use" "$SRV_LOG" || { tail -20 "$SRV_LOG" >&2; die "server $name exited at start"; }
        note "port $SRV_PORT was taken meanwhile; trying another"
    done
    die "server $name: no port could be bound"
}

stop_server() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$SRV_LOG"   # the access log of a load run is hundreds of MB
}

proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
verdict() { if "$@"; then echo "yes"; else echo "NO"; fi; }

# run_wrk NAME URL [extra wrk args...]: stores NAME.rps / .p50 / .p99 / .bad / .cores, and
# .us and .db_us: CPU per request of the server and of the PostgreSQL backends serving
# LOAD_DB (empty for SQLite), in microseconds. CPU per request moves less than req/s with
# how wrk and the server happen to share the cores.
run_wrk() {
    local name=$1 url=$2
    shift 2
    local out="$TMP/wrk-$name.txt" t0 t1 w0 w1 hz d0 d1 requests
    if [[ $WRK_WARMUP != 0 ]]; then
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_WARMUP" "$@" "$url" >/dev/null
    fi
    hz=$(getconf CLK_TCK)
    t0=$(cpu_ticks "$SRV_PID")
    d0=$(db_ticks "${LOAD_DB:-}")
    w0=$EPOCHREALTIME
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency "$@" "$url" >"$out"
    w1=$EPOCHREALTIME
    t1=$(cpu_ticks "$SRV_PID")
    d1=$(db_ticks "${LOAD_DB:-}")
    R[$name.rps]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    R[$name.p50]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    R[$name.p99]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    # Responses other than 2xx/3xx, plus socket errors: should both be 0.
    R[$name.bad]=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
                        /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
                        END { print n + 0 }' "$out")
    R[$name.cores]=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')" \
        'BEGIN { printf "%.2f", t / hz / w }')
    requests=$(awk '/ requests in / { print $1 }' "$out")
    R[$name.us]=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "nan" }')
    R[$name.db_us]=$(awk -v t="$((d1 - d0))" -v hz="$hz" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", t / hz / n * 1e6; else print "nan" }')
    note "$(printf '%-28s %8s req/s   p50 %8s ms   p99 %8s ms   non-2xx/errors %s   server CPU %s cores, %s µs/request' \
        "$name" "${R[$name.rps]}" "${R[$name.p50]}" "${R[$name.p99]}" "${R[$name.bad]}" "${R[$name.cores]}" "${R[$name.us]}")"
    [[ -z ${LOAD_DB:-} ]] || note "$(printf '%-28s PostgreSQL backends: %s µs/request' "" "${R[$name.db_us]}")"
}

# ------------------------------------------------------------- databases

pg_url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1${PG_URL_PARAMS:+?$PG_URL_PARAMS}"; }
pg_db_of() { local db=${1##*/}; echo "${db%%\?*}"; }
pg_admin() {
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 "$(pg_url postgres)" -c "$1"
}

# new_db BACKEND NAME: sets DB_URL to an empty database (not run in a subshell, so
# that the cleanup sees the PostgreSQL databases it creates).
new_db() {
    case $1 in
        sqlite) DB_URL="sqlite://$TMP/$2.db" ;;
        postgres)
            local db="keydesk_bench_$$_$2"
            pg_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
            pg_admin "CREATE DATABASE $db" >/dev/null
            PG_DBS+=("$db")
            DB_URL=$(pg_url "$db")
            ;;
    esac
}

drop_db() {
    case $1 in
        sqlite) rm -f "${2#sqlite://}" "${2#sqlite://}-wal" "${2#sqlite://}-shm" ;;
        postgres) pg_admin "DROP DATABASE IF EXISTS $(pg_db_of "$2") WITH (FORCE)" >/dev/null ;;
    esac
}

sql() {
    case $1 in
        sqlite) sqlite3 -cmd ".timeout 10000" "${2#sqlite://}" "$3" ;;
        postgres) psql -X -q -At -v ON_ERROR_STOP=1 "$2" -c "$3" ;;
    esac
}

# seed_keys BACKEND URL FROM TO: inserts keys named seed-FROM..seed-TO with random
# 32-byte digests into the first workspace, straight into the table.
seed_keys() {
    local backend=$1 url=$2 from=$3 to=$4
    [[ $to -ge $from ]] || return 0
    case $backend in
        sqlite) sql sqlite "$url" "
            WITH RECURSIVE n(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM n WHERE i < $to)
            INSERT INTO api_keys (workspace_id, created_by, created_by_name, name, name_key, note,
                                  key_hash, last4, read_only, allowed_ips, expiry_logged, created_at)
            SELECT w.id, u.id, u.name, 'seed-' || i, 'seed-' || i, '', randomblob(32),
                   lower(hex(randomblob(2))), 0, '', 0, strftime('%Y-%m-%d %H:%M:%S', 'now')
            FROM n,
                 (SELECT id FROM workspaces ORDER BY id LIMIT 1) AS w,
                 (SELECT id, name FROM users ORDER BY id LIMIT 1) AS u;"
            # The bulk insert sits in the WAL until a checkpoint copies it into the
            # database file; the server's next commit (a usage flush) would do that during
            # the measured run. Done here instead, as PostgreSQL's ANALYZE below.
            sql sqlite "$url" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null ;;
        postgres) sql postgres "$url" "
            INSERT INTO api_keys (workspace_id, created_by, created_by_name, name, name_key, note,
                                  key_hash, last4, read_only, allowed_ips, expiry_logged, created_at)
            SELECT w.id, u.id, u.name, 'seed-' || i, 'seed-' || i, '',
                   decode(md5(random()::text) || md5(random()::text), 'hex'),
                   substr(md5(random()::text), 1, 4), false, '', false,
                   date_trunc('second', now() AT TIME ZONE 'utc')
            FROM generate_series($from, $to) AS i,
                 (SELECT id FROM workspaces ORDER BY id LIMIT 1) AS w,
                 (SELECT id, name FROM users ORDER BY id LIMIT 1) AS u;
            -- what autovacuum would do shortly after a bulk insert
            ANALYZE api_keys;" ;;
    esac
}

key_count() { sql "$1" "$2" "SELECT count(*) FROM api_keys"; }

# hyperfine, its warnings kept out of the report unless it fails.
quiet_hyperfine() {
    hyperfine "$@" >"$TMP/hyperfine.log" 2>&1 || { cat "$TMP/hyperfine.log" >&2; die "hyperfine failed"; }
}

# ------------------------------------------------------------------- web

# delete_key BASE JAR NAME: finds the key on the (filtered) list page and deletes it.
delete_key() {
    local list="$TMP/list.html" confirm="$TMP/delete.html" id status
    curl -sf -c "$2" -b "$2" "$1/settings/integrations?q=$3" -o "$list"
    id=$(grep -o 'id="key-[0-9]*"' "$list" | head -1 | grep -o '[0-9]*')
    [[ -n $id ]] || die "key $3 not found on the Integrations page"
    curl -sf -c "$2" -b "$2" "$1/settings/integrations/keys/$id/delete" -o "$confirm"
    status=$(curl -s -o /dev/null -w '%{http_code}' -c "$2" -b "$2" \
        --data-urlencode "csrf_token=$(hidden_field "$confirm" csrf_token)" \
        "$1/settings/integrations/keys/$id/delete")
    [[ $status == 2* || $status == 3* ]] || die "deleting key $id answered $status"
}

api_status() {
    curl -s -o "$TMP/api-answer.json" -w '%{http_code}' -H "Authorization: Bearer $2" "$1/api/team"
}

session_cookie() { awk '$6 == "keydesk_session" { print $7 }' "$1" | tail -1; }

# ------------------------------------------------------------ scenarios

# API throughput, key lookup at 10 vs SEED_KEYS keys, memory, revocation.
bench_api() {
    local b=$1 url jar="$TMP/$1-api.jar" key status
    log "$b: /healthz vs /api/team, ${WRK_THREADS} threads, ${WRK_CONNS} connections, $WRK_DURATION each"
    new_db "$b" api
    url=$DB_URL
    create_admin "$url"
    start_server "$url" "$b-api"
    sleep 1
    R[$b.idle_kb]=$(proc_kb "$SRV_PID" VmRSS)
    note "idle RSS after start: $(mb "${R[$b.idle_kb]}") MB ($(proc_kb "$SRV_PID" Threads) threads)"

    login "$BASE" "$jar"
    key=$(create_key "$BASE" "$jar" "$MAIN_KEY_NAME")
    seed_keys "$b" "$url" 2 10
    R[$b.keys_small]=$(key_count "$b" "$url")
    status=$(api_status "$BASE" "$key")
    [[ $status == 200 ]] || die "GET /api/team with the new key answered $status"

    LOAD_DB=""
    [[ $b != postgres ]] || LOAD_DB=$(pg_db_of "$url")
    run_wrk "$b.healthz" "$BASE/healthz"
    run_wrk "$b.team" "$BASE/api/team" -H "Authorization: Bearer $key"
    if [[ $b == postgres ]]; then
        R[pg.tls]=$(pg_admin "SELECT count(*) FILTER (WHERE s.ssl) || ' of ' || count(*)
            FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '$(pg_db_of "$url")'")
        note "app connections to PostgreSQL using TLS: ${R[pg.tls]}"
    fi

    log "$b: seeding $SEED_KEYS keys"
    local t0=$EPOCHREALTIME
    seed_keys "$b" "$url" 11 "$SEED_KEYS"
    R[$b.keys_big]=$(key_count "$b" "$url")
    note "$(printf '%s keys in api_keys (seeded in %.1f s)' "${R[$b.keys_big]}" \
        "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')")"
    run_wrk "$b.team_big" "$BASE/api/team" -H "Authorization: Bearer $key"
    LOAD_DB=""
    R[$b.peak_kb]=$(proc_kb "$SRV_PID" VmHWM)
    note "peak RSS (VmHWM) over the load runs: $(mb "${R[$b.peak_kb]}") MB ($(proc_kb "$SRV_PID" Threads) threads)"

    log "$b: revocation"
    R[$b.revoke_before]=$(api_status "$BASE" "$key")
    delete_key "$BASE" "$jar" "$MAIN_KEY_NAME"
    R[$b.revoke_after]=$(api_status "$BASE" "$key")
    R[$b.revoke_code]=$(grep -o '"error":"[^"]*"' "$TMP/api-answer.json" | head -1 | sed 's/.*:"//; s/"//' || true)
    note "before delete: ${R[$b.revoke_before]}; first request after delete: ${R[$b.revoke_after]} ${R[$b.revoke_code]}"

    stop_server "$SRV_PID"
    drop_db "$b" "$url"
}

# Integrations page with PAGE_KEYS keys.
bench_page() {
    local b=$1 url jar="$TMP/$1-page.jar" page="$TMP/page.html" cookie rows csv
    log "$b: Integrations page with $PAGE_KEYS keys"
    new_db "$b" page
    url=$DB_URL
    create_admin "$url"
    seed_keys "$b" "$url" 1 "$PAGE_KEYS"
    start_server "$url" "$b-page"
    login "$BASE" "$jar"
    # Page 1 in the default order, as a user first sees it; the first fetch warms up.
    curl -sf -b "$jar" "$BASE/settings/integrations" -o "$page"
    R[$b.page_time]=$(curl -sf -b "$jar" "$BASE/settings/integrations" -o "$page" \
        -w '%{time_total}' | awk '{ printf "%.2f", $1 * 1000 }')
    rows=$(grep -o 'id="key-[0-9]*"' "$page" | wc -l)
    R[$b.page_bytes]=$(wc -c <"$page")
    note "page 1 lists $rows of $PAGE_KEYS keys: ${R[$b.page_bytes]} bytes of HTML, one curl fetch ${R[$b.page_time]} ms"
    printf '%s Integrations page, %s keys: %s bytes, %s ms\n' "$b" "$PAGE_KEYS" \
        "${R[$b.page_bytes]}" "${R[$b.page_time]}"
    if [[ $ONLY_PAGE == 1 ]]; then
        stop_server "$SRV_PID"
        drop_db "$b" "$url"
        return 0
    fi

    csv="$TMP/hf-page.csv"
    quiet_hyperfine -N --style none --warmup 3 --runs 30 --export-csv "$csv" \
        "curl -sf -o /dev/null -b $jar $BASE/settings/integrations"
    R[$b.page_median]=$(awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$csv")
    quiet_hyperfine -N --style none --warmup 3 --runs 30 --export-csv "$csv" \
        "curl -sf -o /dev/null $BASE/healthz"
    R[$b.curl_median]=$(awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$csv")
    note "hyperfine median: ${R[$b.page_median]} ms (curl on /healthz, the client's own cost: ${R[$b.curl_median]} ms)"

    cookie=$(session_cookie "$jar")
    wrk -t1 -c1 -d5s --latency -H "Cookie: keydesk_session=$cookie" \
        "$BASE/settings/integrations" >"$TMP/wrk-page.txt"
    R[$b.page_wrk_p50]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$TMP/wrk-page.txt")")
    note "wrk, 1 connection, 5 s: p50 ${R[$b.page_wrk_p50]} ms"

    stop_server "$SRV_PID"
    drop_db "$b" "$url"
}

# Instructions per request on SQLite, counted by callgrind: unlike req/s, this does not
# move with whatever else the machine is doing, so it compares builds. The server runs
# under valgrind; after login, key creation and a warm-up the counters are zeroed, then
# each endpoint gets INSTR_REQUESTS GETs over one keep-alive connection (benches/keepalive.py)
# followed by a dump. Background work in that span (the usage flush every second) is counted.
bench_instructions() {
    local out="$TMP/callgrind.out" jar="$TMP/instr.jar" key url i name
    log "sqlite: instructions per request under callgrind ($INSTR_REQUESTS keep-alive requests per endpoint)"
    new_db sqlite instr
    url=$DB_URL
    create_admin "$url"
    SRV_PORT=$(free_port)
    SRV_LOG="$TMP/instr.log"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$BIN" serve --addr "127.0.0.1:$SRV_PORT" --database-url "$url" >"$SRV_LOG" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    BASE="http://127.0.0.1:$SRV_PORT"
    for i in $(seq 1 600); do
        healthz_ok "$SRV_PORT" && break
        kill -0 "$SRV_PID" 2>/dev/null || { tail -20 "$SRV_LOG" >&2; die "the server under valgrind exited"; }
        sleep 0.2
    done
    healthz_ok "$SRV_PORT" || die "the server under valgrind did not answer /healthz within 120 s"

    login "$BASE" "$jar"
    key=$(create_key "$BASE" "$jar" "$MAIN_KEY_NAME")
    seed_keys sqlite "$url" 2 10
    export BENCH_AUTHORIZATION="Bearer $key"
    python3 benches/keepalive.py "$BASE/healthz" 200 || die "warm-up of /healthz failed"
    python3 benches/keepalive.py "$BASE/api/team" 200 || die "warm-up of /api/team failed"
    callgrind_control -z "$SRV_PID" >/dev/null
    for name in healthz team; do
        if [[ $name == healthz ]]; then
            python3 benches/keepalive.py "$BASE/healthz" "$INSTR_REQUESTS" || die "/healthz failed under callgrind"
        else
            python3 benches/keepalive.py "$BASE/api/team" "$INSTR_REQUESTS" || die "/api/team failed under callgrind"
        fi
        # -d writes the counts since the last zeroing or dump to a new numbered file, then zeroes.
        callgrind_control -d "$SRV_PID" >/dev/null
    done
    unset BENCH_AUTHORIZATION
    stop_server "$SRV_PID"
    i=0
    for name in healthz team; do
        i=$((i + 1))
        [[ -f $out.$i ]] || die "callgrind wrote no dump $out.$i"
        R[instr.$name]=$(callgrind_annotate "$out.$i" 2>/dev/null |
            awk -v n="$INSTR_REQUESTS" '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); printf "%.0f", $1 / n; done = 1 }')
        note "$(printf '%-10s %10s instructions per request' "$name" "${R[instr.$name]}")"
    done
    if [[ -n $INSTR_KEEP ]]; then
        mkdir -p "$INSTR_KEEP"
        cp "$out.1" "$INSTR_KEEP/callgrind.healthz"
        cp "$out.2" "$INSTR_KEEP/callgrind.team"
        note "callgrind profiles kept in $INSTR_KEEP (callgrind_annotate --inclusive=yes FILE)"
    fi
    rm -f "$out" "$out".*
    drop_db sqlite "$url"
}

# Cold start on a fresh SQLite file: exec → first 200 from /healthz; and `keydesk migrate`.
bench_cold_start() {
    local i url t0 t1 times=() csv="$TMP/hf-migrate.csv" f="$TMP/migrate.db"
    log "sqlite: cold start with migrations on a fresh file ($COLD_RUNS runs)"
    for i in $(seq 1 "$COLD_RUNS"); do
        new_db sqlite "cold$i"
        url=$DB_URL
        t0=$EPOCHREALTIME
        start_server "$url" "cold$i"
        t1=$EPOCHREALTIME
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
        stop_server "$SRV_PID"
        drop_db sqlite "$url"
    done
    R[cold.median]=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    R[cold.max]=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)
    note "exec → first /healthz 200, ms: ${times[*]}"
    quiet_hyperfine -N --style none --warmup 2 --runs 20 --export-csv "$csv" \
        --prepare "rm -f $f $f-wal $f-shm" "$BIN migrate --database-url sqlite://$f"
    R[migrate.median]=$(awk -F, 'NR == 2 { printf "%.1f", $4 * 1000 }' "$csv")
    note "hyperfine 'keydesk migrate' on a fresh file: median ${R[migrate.median]} ms"
    rm -f "$f" "$f-wal" "$f-shm"
}

# ------------------------------------------------------------------ main

if [[ $SKIP_BUILD != 1 ]]; then
    log "cargo build --release"
    cargo build --release >&2
fi
[[ -x $BIN ]] || die "$BIN not found"

BACKENDS=(sqlite)
if [[ $SKIP_PG != 1 ]]; then
    if command -v psql >/dev/null && pg_admin "SELECT 1" >/dev/null 2>&1; then
        BACKENDS+=(postgres)
    else
        note "PostgreSQL at $PG_HOST:$PG_PORT is not reachable: skipping it"
    fi
fi

log "machine"
note "commit:    $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src migrations templates Cargo.toml Cargo.lock 2>/dev/null || echo ' (with local changes)')"
note "cpu:       $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
note "kernel:    $(uname -r)"
[[ $ONLY_PAGE == 1 || $ONLY_INSTRUCTIONS == 1 ]] || note "tools:     $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(hyperfine --version), curl $(curl --version | awk 'NR == 1 { print $2 }')"
note "sqlite:    bundled by libsqlite3-sys $(awk '/^name = "libsqlite3-sys"/ { getline; print $3 }' Cargo.lock | tr -d '"')"
[[ " ${BACKENDS[*]} " == *" postgres "* ]] && note "postgres:  $(pg_admin 'SHOW server_version')"
[[ $ONLY_PAGE == 1 || $ONLY_INSTRUCTIONS == 1 ]] || note "load:      wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency (after a $WRK_WARMUP warm-up run)"
note "server:    RUST_LOG=${RUST_LOG:-info (the default: one access-log line per request)}, log to a file"
note "all of it (wrk, server, PostgreSQL) shares these $(nproc) cores"

RUN_INSTRUCTIONS=0
if [[ $SKIP_INSTRUCTIONS != 1 && $ONLY_PAGE != 1 ]]; then
    if command -v valgrind >/dev/null && command -v callgrind_control >/dev/null && command -v python3 >/dev/null; then
        RUN_INSTRUCTIONS=1
        note "callgrind: $(valgrind --version), $INSTR_REQUESTS keep-alive requests per endpoint"
    else
        note "valgrind or python3 is missing: skipping the instructions-per-request step"
    fi
fi

if [[ $ONLY_PAGE == 1 ]]; then
    for b in "${BACKENDS[@]}"; do
        bench_page "$b"
    done
    exit 0
fi
if [[ $ONLY_INSTRUCTIONS == 1 ]]; then
    bench_instructions
    printf 'SQLite instructions per request: /healthz %s, /api/team %s\n' "${R[instr.healthz]}" "${R[instr.team]}"
    exit 0
fi
for b in "${BACKENDS[@]}"; do
    bench_api "$b"
done
for b in "${BACKENDS[@]}"; do
    bench_page "$b"
done
bench_cold_start
[[ $RUN_INSTRUCTIONS != 1 ]] || bench_instructions

# ---------------------------------------------------------------- summary

ROWS=()
row() { ROWS+=("$1|$2|$3|$4"); }

for b in "${BACKENDS[@]}"; do
    if [[ $b == sqlite ]]; then label=SQLite; want=0.5; else label=PostgreSQL; want=0.25; fi
    team_ratio=$(ratio "${R[$b.team.rps]}" "${R[$b.healthz.rps]}")
    big_ratio=$(ratio "${R[$b.team_big.rps]}" "${R[$b.team.rps]}")
    row "$label /healthz req/s" "${R[$b.healthz.rps]}" "" ""
    row "$label /api/team req/s (${R[$b.keys_small]} keys)" "${R[$b.team.rps]}" "" ""
    row "$label team / healthz" "$team_ratio" ">= $want" "$(verdict ge "$team_ratio" "$want")"
    row "$label /api/team p99 (ms)" "${R[$b.team.p99]}" "< 5" "$(verdict lt "${R[$b.team.p99]}" 5)"
    row "$label /api/team req/s (${R[$b.keys_big]} keys)" "${R[$b.team_big.rps]}" "" ""
    row "$label ${R[$b.keys_big]} keys / ${R[$b.keys_small]} keys" "$big_ratio" ">= 0.90" "$(verdict ge "$big_ratio" 0.9)"
    bad=$((${R[$b.healthz.bad]} + ${R[$b.team.bad]} + ${R[$b.team_big.bad]}))
    row "$label non-2xx + socket errors in load runs" "$bad" "0" "$(verdict [ "$bad" -eq 0 ])"
    row "$label revocation: before / next after delete" \
        "${R[$b.revoke_before]} / ${R[$b.revoke_after]}" "200 / 401" \
        "$(verdict [ "${R[$b.revoke_before]}/${R[$b.revoke_after]}" = "200/401" ])"
    row "$label RSS idle (MB)" "$(mb "${R[$b.idle_kb]}")" "< 30" "$(verdict lt "$(mb "${R[$b.idle_kb]}")" 30)"
    row "$label RSS peak under load (MB)" "$(mb "${R[$b.peak_kb]}")" "< 100" "$(verdict lt "$(mb "${R[$b.peak_kb]}")" 100)"
done
for b in "${BACKENDS[@]}"; do
    if [[ $b == sqlite ]]; then label=SQLite; else label=PostgreSQL; fi
    row "$label Integrations page, $PAGE_KEYS keys, HTML bytes (page 1)" "${R[$b.page_bytes]}" "< 300000" \
        "$(verdict lt "${R[$b.page_bytes]}" 300000)"
    row "$label Integrations page, $PAGE_KEYS keys, hyperfine median (ms)" "${R[$b.page_median]}" "< 50" \
        "$(verdict lt "${R[$b.page_median]}" 50)"
    row "$label Integrations page, $PAGE_KEYS keys, wrk -c1 p50 (ms)" "${R[$b.page_wrk_p50]}" "< 50" \
        "$(verdict lt "${R[$b.page_wrk_p50]}" 50)"
done
row "SQLite cold start, exec to /healthz 200, median (ms)" "${R[cold.median]}" "< 1000" "$(verdict lt "${R[cold.median]}" 1000)"
row "SQLite cold start, exec to /healthz 200, max (ms)" "${R[cold.max]}" "< 1000" "$(verdict lt "${R[cold.max]}" 1000)"
row "SQLite 'keydesk migrate' on a fresh file, median (ms)" "${R[migrate.median]}" "< 1000" "$(verdict lt "${R[migrate.median]}" 1000)"
if [[ $RUN_INSTRUCTIONS == 1 ]]; then
    row "SQLite /healthz instructions per request (callgrind)" "${R[instr.healthz]}" "" ""
    row "SQLite /api/team instructions per request (callgrind)" "${R[instr.team]}" "<= 120000" \
        "$(verdict [ "${R[instr.team]}" -le 120000 ])"
fi

printf '\n## Summary\n\n'
printf '| %s | %s | %s | %s |\n' "Measurement" "Value" "Target" "Met"
printf '|---|---:|---|---|\n'
for r in "${ROWS[@]}"; do
    IFS='|' read -r m v t ok <<<"$r"
    printf '| %s | %s | %s | %s |\n' "$m" "$v" "$t" "$ok"
done
printf '\nServer CPU during the measured runs (cores of %s): ' "$(nproc)"
for b in "${BACKENDS[@]}"; do
    printf '%s healthz %s, team %s, team@%s keys %s; ' "$b" "${R[$b.healthz.cores]}" "${R[$b.team.cores]}" \
        "${R[$b.keys_big]}" "${R[$b.team_big.cores]}"
done
printf '\nCPU per request (µs; server, and for PostgreSQL + its backends): '
for b in "${BACKENDS[@]}"; do
    if [[ $b == postgres ]]; then
        printf '%s healthz %s, team %s + %s; ' "$b" "${R[$b.healthz.us]}" "${R[$b.team.us]}" "${R[$b.team.db_us]}"
    else
        printf '%s healthz %s, team %s; ' "$b" "${R[$b.healthz.us]}" "${R[$b.team.us]}"
    fi
done
printf '\np50 latency (ms): '
for b in "${BACKENDS[@]}"; do
    printf '%s healthz %s, team %s, team@%s keys %s; ' "$b" "${R[$b.healthz.p50]}" "${R[$b.team.p50]}" \
        "${R[$b.keys_big]}" "${R[$b.team_big.p50]}"
done
printf '\n'
