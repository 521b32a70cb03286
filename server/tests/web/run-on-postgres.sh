#!/usr/bin/env bash
# Runs a command (the browser suite) with SHELFMARK_TEST_DATABASE_URL naming
# a private throw-away PostgreSQL instance (Debian's `postgresql` package),
# so that every server the suite starts keeps its metadata in a fresh
# database there.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
    exit 1
fi
pg_port=${SHELFMARK_WEB_PG_PORT:-55441}
dir=$(mktemp -d /tmp/shelfmark-web-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as_pg=(runuser -u postgres --)
fi
stop() {
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U shelfmark --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
SHELFMARK_TEST_DATABASE_URL="postgres://shelfmark@127.0.0.1:$pg_port/postgres" "$@"
