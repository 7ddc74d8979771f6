#!/usr/bin/env bash
# Make sure what the test suite talks to is installed and answering on this machine:
#   PostgreSQL  127.0.0.1:5432  trust auth, database "test"
#   Redis       127.0.0.1:6379
#   Mosquitto   127.0.0.1:1883  anonymous
#   Debian's chromium, fonts-noto-cjk and fonts-noto-color-emoji (the icons are emoji), plus make, python3-venv, nodejs and npm.
# Installs (apt) and starts only what is missing, so it is quick when all is up and can be
# run on its own: `sudo bash scripts/ci-services.sh`. Written for Debian 12 run as root
# (CI); as another user it checks and says what it would need root for.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
WAIT_SECONDS=${WAIT_SECONDS:-30}

say() { printf '    %s\n' "$*"; }
die() { printf 'ci-services: %s\n' "$*" >&2; exit 1; }

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root to $1"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# wait_for <description> <command...>: retry the command once a second, WAIT_SECONDS times.
wait_for() {
    local what=$1; shift
    local i
    for ((i = 0; i < WAIT_SECONDS; i++)); do
        if "$@"; then return 0; fi
        sleep 1
    done
    die "$what did not answer within ${WAIT_SECONDS}s"
}

# --- System packages -----------------------------------------------------------------------

# Wait while another apt or dpkg run holds the package database.
wait_for_apt() {
    local i busy
    for ((i = 0; i < 1800; i++)); do
        busy=$(grep -lxE 'apt|apt-get|dpkg|unattended-upgr' /proc/[0-9]*/comm 2>/dev/null || true)
        [[ -z $busy ]] && return 0
        ((i % 30 == 0)) && say "waiting for another apt/dpkg run to finish"
        sleep 1
    done
    die "apt/dpkg still busy after 30 minutes"
}

# `python3 -m venv` works: Debian's own python3 needs the python3-venv package for that.
have_venv() {
    command -v python3 >/dev/null || return 1
    if [[ $(command -v python3) == /usr/bin/python3 ]]; then
        dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q 'ok installed'
    else
        python3 -c 'import ensurepip, venv' 2>/dev/null
    fi
}

have_cjk_fonts() {
    compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc' >/dev/null
}

install_missing_packages() {
    local missing=()
    command -v make >/dev/null || missing+=(make)
    have_venv || missing+=(python3 python3-venv)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    [[ -n $(pg_version) ]] || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v mosquitto >/dev/null || missing+=(mosquitto)
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    have_cjk_fonts || missing+=(fonts-noto-cjk)
    [[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || missing+=(fonts-noto-color-emoji)
    if ((${#missing[@]} == 0)); then
        say "system packages: all present"
        return
    fi
    need_root "install ${missing[*]}"
    say "installing: ${missing[*]}"
    wait_for_apt
    apt-get -qq -o DPkg::Lock::Timeout=600 update
    apt-get -qq -y -o DPkg::Lock::Timeout=600 install "${missing[@]}" >/dev/null
}

# --- PostgreSQL ------------------------------------------------------------------------------

# The newest PostgreSQL server installed (Debian keeps each in /usr/lib/postgresql/<version>).
pg_version() {
    local server versions=()
    for server in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x $server ]] && versions+=("$(basename "$(dirname "$(dirname "$server")")")")
    done
    ((${#versions[@]})) && printf '%s\n' "${versions[@]}" | sort -V | tail -n 1
    return 0
}

pg_ready() {
    pg_isready -q -h 127.0.0.1 -p 5432
}

pg_psql() {
    psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -qtAX "$@"
}

# True when user postgres gets in over TCP without a password.
pg_trusts_localhost() {
    pg_psql -c 'SELECT 1' >/dev/null 2>&1
}

# Put "trust" rules for local TCP connections first in pg_hba.conf, so they win.
pg_add_trust_rules() {
    local hba=$1 rules
    need_root "edit $hba"
    rules=$'# Linli CI: trust TCP connections from this machine\n'
    rules+=$'host    all    all    127.0.0.1/32    trust\n'
    rules+=$'host    all    all    ::1/128         trust\n\n'
    printf '%s' "$rules" | cat - "$hba" >"$hba.new"
    chown --reference="$hba" "$hba.new"
    chmod --reference="$hba" "$hba.new"
    mv "$hba.new" "$hba"
    say "PostgreSQL: trust auth for 127.0.0.1 and ::1 put first in $hba"
}

ensure_postgres() {
    local version
    version=$(pg_version)
    [[ -n $version ]] || die "no PostgreSQL server in /usr/lib/postgresql"
    if [[ ! -d /etc/postgresql/$version/main ]]; then
        need_root "create the PostgreSQL cluster"
        pg_createcluster "$version" main >/dev/null
        say "PostgreSQL: created cluster $version/main"
    fi

    if pg_ready; then
        say "PostgreSQL $version: running"
    else
        need_root "start PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        wait_for "PostgreSQL at 127.0.0.1:5432" pg_ready
        say "PostgreSQL $version: started"
    fi

    if ! pg_trusts_localhost; then
        pg_add_trust_rules "/etc/postgresql/$version/main/pg_hba.conf"
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        wait_for "PostgreSQL trust auth on 127.0.0.1" pg_trusts_localhost
    fi

    if [[ $(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = 'test'") != 1 ]]; then
        pg_psql -c 'CREATE DATABASE test'
        say "PostgreSQL: created database test"
    fi
}

# --- Redis -----------------------------------------------------------------------------------

redis_ready() {
    [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
}

ensure_redis() {
    if redis_ready; then
        say "Redis: running"
        return
    fi
    need_root "start Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for "Redis at 127.0.0.1:6379" redis_ready
    say "Redis: started"
}

# --- Mosquitto -------------------------------------------------------------------------------

MOSQUITTO_CONF=/etc/mosquitto/mosquitto.conf

# True when the broker accepts an anonymous MQTT 3.1.1 CONNECT (CONNACK return code 0).
mqtt_anonymous_ok() {
    timeout 3 bash -c '
        exec 3<>/dev/tcp/127.0.0.1/1883 || exit 1
        printf "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00" >&3
        reply=$(head -c 4 <&3 | od -An -tx1 | tr -d " \n")
        [[ $reply == 20020000 ]]
    ' 2>/dev/null
}

# A fresh Debian config has no listener (mosquitto 2 then serves localhost only); say
# explicitly what the tests rely on, without clashing with a listener configured elsewhere.
mosquitto_configure() {
    if grep -qsE '^\s*listener\s' "$MOSQUITTO_CONF" /etc/mosquitto/conf.d/*.conf; then
        return
    fi
    grep -qE '^\s*include_dir\s+/etc/mosquitto/conf.d' "$MOSQUITTO_CONF" \
        || die "$MOSQUITTO_CONF has no listener and no include_dir /etc/mosquitto/conf.d"
    need_root "write /etc/mosquitto/conf.d/linli-ci.conf"
    printf '%s\n' '# Linli CI: anonymous MQTT on this machine only' \
        'listener 1883 127.0.0.1' 'allow_anonymous true' >/etc/mosquitto/conf.d/linli-ci.conf
    say "Mosquitto: wrote /etc/mosquitto/conf.d/linli-ci.conf"
}

ensure_mosquitto() {
    if ! port_open 1883; then
        need_root "start Mosquitto"
        mosquitto_configure
        install -d -o mosquitto -g mosquitto /run/mosquitto /var/log/mosquitto
        mosquitto -d -c "$MOSQUITTO_CONF"
        wait_for "Mosquitto at 127.0.0.1:1883" port_open 1883
        say "Mosquitto: started"
    else
        say "Mosquitto: running"
    fi
    mqtt_anonymous_ok || die "Mosquitto at 127.0.0.1:1883 refuses anonymous connections"
}

main() {
    printf '\n==> %s\n' "System packages and services"
    install_missing_packages
    ensure_postgres
    ensure_redis
    ensure_mosquitto
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
