#!/usr/bin/env bash
# Runs the server's HTTP conformance suite against the PostgreSQL backend on a
# private, throw-away PostgreSQL instance (Debian's `postgresql` package:
# `apt-get install -y postgresql`). Extra arguments go to `cargo test`.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
    exit 1
fi
port=${SHELFMARK_PG_PORT:-55439}
dir=$(mktemp -d /tmp/shelfmark-pg.XXXXXX)
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
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500" start >/dev/null

cd "$(dirname "$0")/../.."
SHELFMARK_TEST_DATABASE_URL="postgres://shelfmark@127.0.0.1:$port/postgres" \
    cargo test -p shelfmark-server --test conformance --test pyzotero "$@"
