# Helpers shared by benches/run.sh and benches/ab.sh (sourced, not run). They use the
# caller's `die`, `TMP` (a scratch directory), `BIN` (the keydesk binary), and
# `ADMIN_EMAIL` / `ADMIN_PASSWORD` (the admin they create and log in as).

# A port below the kernel's ephemeral range (client sockets take those) used by no socket.
free_port() {
    local p i low
    low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
    [[ $low -gt 12000 ]] || low=32768
    for i in $(seq 1 100); do
        p=$((10000 + RANDOM % (low - 10000)))
        if [[ -z $(ss -Htan "sport = :$p") ]]; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# wrk prints latencies as 812.00us, 4.21ms, 1.02s, 1.50m.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else print "nan" }'
}

# CPU ticks of the PostgreSQL backends serving database $1 (processes titled
# "postgres: ... $1 ..."); 0 when there are none or they cannot be read.
db_ticks() {
    local pid total=0
    [[ -n $1 ]] || { echo 0; return 0; }
    for pid in $(pgrep -f "postgres: .* $1 " 2>/dev/null); do
        total=$((total + $(cpu_ticks "$pid" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

create_admin() {
    KEYDESK_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" create-admin --email "$ADMIN_EMAIL" \
        --name "Bench Admin" --workspace "Bench" --database-url "$1" >"$TMP/create-admin.log" 2>&1 ||
        { cat "$TMP/create-admin.log" >&2; die "keydesk create-admin failed"; }
}

hidden_field() {
    grep -o "name=\"$2\" value=\"[^\"]*\"" "$1" | head -1 | sed 's/.*value="//; s/"$//'
}

# login BASE JAR
login() {
    local page="$TMP/login.html" csrf status
    curl -sf -c "$2" -b "$2" "$1/login" -o "$page"
    csrf=$(hidden_field "$page" csrf_token)
    [[ -n $csrf ]] || die "no csrf_token on /login"
    status=$(curl -s -o /dev/null -w '%{http_code}' -c "$2" -b "$2" \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "email=$ADMIN_EMAIL" \
        --data-urlencode "password=$ADMIN_PASSWORD" "$1/login")
    [[ $status == 303 ]] || die "login answered $status, expected 303"
}

# create_key BASE JAR NAME: prints the new key.
create_key() {
    local form="$TMP/new-key.html" done="$TMP/created-key.html" key
    curl -sf -c "$2" -b "$2" "$1/settings/integrations/keys/new" -o "$form"
    curl -sf -c "$2" -b "$2" -o "$done" \
        --data-urlencode "csrf_token=$(hidden_field "$form" csrf_token)" \
        --data-urlencode "form_token=$(hidden_field "$form" form_token)" \
        --data-urlencode "name=$3" "$1/settings/integrations/keys"
    key=$(grep -o 'value="kd_[^"]*"' "$done" | head -1 | sed 's/^value="//; s/"$//')
    [[ -n $key ]] || die "creating key $3: no key on the answer page"
    echo "$key"
}
