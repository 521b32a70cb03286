#!/usr/bin/env bash
# Runs the server's HTTP conformance suite (and the pyzotero run) against the
# scale-out backends: PostgreSQL for metadata, on a private throw-away
# instance (Debian's `postgresql` package: `apt-get install -y postgresql`),
# and S3-compatible object storage for files, on a local `moto_server`
# (PyPI: `pip install "moto[server]"`). Extra arguments go to `cargo test`.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2
    exit 1
fi
moto=${MOTO_SERVER:-$(command -v moto_server || true)}
if [ -z "$moto" ]; then
    echo "moto_server is not installed (pip install \"moto[server]\"; or set MOTO_SERVER)" >&2
    exit 1
fi
pg_port=${SHELFMARK_PG_PORT:-55439}
s3_port=${SHELFMARK_S3_PORT:-55440}
dir=$(mktemp -d /tmp/shelfmark-scale.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as_pg=(runuser -u postgres --)
fi
moto_pid=
stop() {
    "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap stop EXIT
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U shelfmark --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500" start >/dev/null

"$moto" -H 127.0.0.1 -p "$s3_port" >"$dir/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 50); do
    if curl -sf -X PUT "http://127.0.0.1:$s3_port/shelfmark-test" >/dev/null; then break; fi
    sleep 0.2
done

cd "$(dirname "$0")/../.."
export AWS_ENDPOINT="http://127.0.0.1:$s3_port" AWS_ALLOW_HTTP=true \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
SHELFMARK_TEST_DATABASE_URL="postgres://shelfmark@127.0.0.1:$pg_port/postgres" \
SHELFMARK_TEST_FILES_URL="s3://shelfmark-test" \
    cargo test -p shelfmark-server --test conformance --test pyzotero "$@"
