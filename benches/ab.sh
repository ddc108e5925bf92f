#!/usr/bin/env bash
# Keydesk A/B: compares two or more release builds in interleaved rounds, so that the
# machine's drift (on a shared 2-core VM, /healthz alone moves by 25% between runs) falls
# on every build alike. Run from the repository root:
#
#   bash benches/ab.sh path/to/keydesk-before path/to/keydesk-after
#
# Each round starts every build in turn (the order alternates from round to round) on a
# fresh database, logs in, creates a key, then measures /healthz and the keyed endpoint
# with wrk, and the server's CPU (and, on PostgreSQL, its backends') from /proc. It prints
# one line per build and round, then each build's means. It reports; it never fails on a
# number.
#
# Knobs (environment):
#   ROUNDS=3             rounds
#   BACKEND=sqlite       or postgres (PG_PORT=5432 PG_USER=postgres, trust auth, 127.0.0.1)
#   ENDPOINT=/api/team   the keyed GET compared with /healthz
#   WRK_THREADS=2 WRK_CONNS=64 WRK_DURATION=8s WRK_WARMUP=2s
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $# -ge 2 ]] || { echo "usage: bash benches/ab.sh BUILD_A BUILD_B [BUILD...]" >&2; exit 2; }
for bin in "$@"; do
    [[ -x $bin ]] || { echo "benches/ab.sh: $bin is not an executable" >&2; exit 2; }
done
for tool in wrk curl awk ss; do
    command -v "$tool" >/dev/null || { echo "benches/ab.sh: $tool is missing" >&2; exit 2; }
done

ROUNDS=${ROUNDS:-3}
BACKEND=${BACKEND:-sqlite}
ENDPOINT=${ENDPOINT:-/api/team}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
WRK_DURATION=${WRK_DURATION:-8s}
WRK_WARMUP=${WRK_WARMUP:-2s}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
ADMIN_EMAIL=ab@keydesk.test
ADMIN_PASSWORD=ab-password-123
export KEYDESK_RATE_LIMIT_REQUESTS=1000000000
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

die() { printf 'benches/ab.sh: %s\n' "$*" >&2; exit 1; }
# shellcheck source=benches/lib.sh
. benches/lib.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/keydesk-ab.XXXXXX")
SRV_PID=""
DB_NAME=""
pg() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 "postgres://$PG_USER@127.0.0.1:$PG_PORT/postgres" -c "$1"; }
stop() {
    if [[ -n $SRV_PID ]]; then
        kill -TERM "$SRV_PID" 2>/dev/null || true
        wait "$SRV_PID" 2>/dev/null || true
        SRV_PID=""
    fi
    if [[ -n $DB_NAME ]]; then
        pg "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
        DB_NAME=""
    fi
}
trap 'stop; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# start BIN: a server on a fresh database with an admin and a key (in $KEY).
start() {
    local bin=$1 url port jar="$TMP/jar" i
    rm -f "$jar" "$TMP"/ab.db*
    case $BACKEND in
        sqlite) url="sqlite://$TMP/ab.db" ;;
        postgres)
            DB_NAME="keydesk_ab_$$"
            pg "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
            pg "CREATE DATABASE $DB_NAME" >/dev/null
            url="postgres://$PG_USER@127.0.0.1:$PG_PORT/$DB_NAME"
            ;;
        *) echo "benches/ab.sh: BACKEND is sqlite or postgres" >&2; exit 2 ;;
    esac
    BIN=$bin
    create_admin "$url"
    port=$(free_port)
    BASE="http://127.0.0.1:$port"
    "$bin" serve --addr "127.0.0.1:$port" --database-url "$url" >/dev/null 2>&1 &
    SRV_PID=$!
    for i in $(seq 1 400); do
        curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
        sleep 0.025
    done
    login "$BASE" "$jar"
    KEY=$(create_key "$BASE" "$jar" ab)
}

# measure PATH [wrk args]: prints "rps p99_ms app_us db_us".
measure() {
    local path=$1 out="$TMP/wrk.txt" a0 a1 d0 d1 n hz
    shift
    hz=$(getconf CLK_TCK)
    [[ $WRK_WARMUP == 0 ]] || wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_WARMUP" "$@" "$BASE$path" >/dev/null
    a0=$(cpu_ticks "$SRV_PID"); d0=$(db_ticks "$DB_NAME")
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency "$@" "$BASE$path" >"$out"
    a1=$(cpu_ticks "$SRV_PID"); d1=$(db_ticks "$DB_NAME")
    n=$(awk '/ requests in / { print $1 }' "$out")
    awk -v a="$((a1 - a0))" -v d="$((d1 - d0))" -v n="$n" -v hz="$hz" \
        -v p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" '
        /^Requests\/sec:/ { rps = $2 }
        END { printf "%.0f %.2f %.1f %.1f\n", rps, p99, a / hz / n * 1e6, d / hz / n * 1e6 }' "$out"
}

printf '%-6s %-28s %9s %9s %7s %8s %8s %8s\n' round build healthz keyed ratio "p99 ms" "app µs" "db µs"
declare -A SUM_RATIO=() SUM_RPS=() SUM_APP=() SUM_DB=()
for round in $(seq 1 "$ROUNDS"); do
    order=("$@")
    if ((round % 2 == 0)); then
        order=()
        for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done
    fi
    for bin in "${order[@]}"; do
        start "$bin"
        read -r h_rps _ _ _ < <(measure /healthz)
        read -r k_rps k_p99 k_app k_db < <(measure "$ENDPOINT" -H "Authorization: Bearer $KEY")
        stop
        ratio=$(awk -v a="$k_rps" -v b="$h_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
        printf '%-6s %-28s %9s %9s %7s %8s %8s %8s\n' "$round" "$bin" "$h_rps" "$k_rps" "$ratio" "$k_p99" "$k_app" "$k_db"
        SUM_RATIO[$bin]=$(awk -v s="${SUM_RATIO[$bin]:-0}" -v x="$ratio" 'BEGIN { print s + x }')
        SUM_RPS[$bin]=$(awk -v s="${SUM_RPS[$bin]:-0}" -v x="$k_rps" 'BEGIN { print s + x }')
        SUM_APP[$bin]=$(awk -v s="${SUM_APP[$bin]:-0}" -v x="$k_app" 'BEGIN { print s + x }')
        SUM_DB[$bin]=$(awk -v s="${SUM_DB[$bin]:-0}" -v x="$k_db" 'BEGIN { print s + x }')
    done
done
echo
echo "means over $ROUNDS rounds ($BACKEND, $ENDPOINT against /healthz, wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION):"
for bin in "$@"; do
    awk -v b="$bin" -v r="${SUM_RATIO[$bin]}" -v k="${SUM_RPS[$bin]}" -v a="${SUM_APP[$bin]}" -v d="${SUM_DB[$bin]}" -v n="$ROUNDS" \
        'BEGIN { printf "  %-28s ratio %.3f   keyed %.0f req/s   server %.1f µs + database %.1f µs per keyed request\n", b, r / n, k / n, a / n, d / n }'
done
