#!/usr/bin/env bash
# Runs the server's HTTP conformance suite (and the pyzotero run) against the
# scale-out backends: PostgreSQL for metadata, on a private throw-away
# instance (Debian's `postgresql` package: `apt-get install -y postgresql`),
# and S3-compatible object storage for files, on a local `moto_server`
# (PyPI: `pip install "moto[server]"`), with the unit tests (the store's
# query plans on PostgreSQL among them). Extra arguments go to `cargo test`.
#
# The PostgreSQL instance speaks TLS with a certificate from a throw-away CA
# (made with `openssl`) and refuses unencrypted connections to the database
# `tls_only`, where tests/postgres_tls.rs checks every `sslmode`.
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

# TLS: a CA, a server certificate it signs (for 127.0.0.1 and localhost), and
# a second CA that signs nothing here. Plain connections to the database
# tls_only are refused; everything else is trusted.
tls="$dir/tls"
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Shelfmark test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Unrelated CA" \
    -keyout "$tls/other-ca.key" -out "$tls/other-ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/san.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/san.ext" -out "$tls/server.pem" 2>/dev/null
chmod 600 "$tls/server.key"
printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" \
    "$tls/server.pem" "$tls/server.key" >>"$dir/data/postgresql.conf"
{
    printf 'hostnossl tls_only all 127.0.0.1/32 reject\n'
    cat "$dir/data/pg_hba.conf"
} >"$dir/hba" && cat "$dir/hba" >"$dir/data/pg_hba.conf"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$tls"; fi

"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500" start >/dev/null
psql "postgres://shelfmark@127.0.0.1:$pg_port/postgres" -q -c "CREATE DATABASE tls_only"

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
SHELFMARK_TEST_TLS_DATABASE_URL="postgres://shelfmark@127.0.0.1:$pg_port/tls_only" \
SHELFMARK_TEST_TLS_CA="$tls/ca.pem" SHELFMARK_TEST_TLS_OTHER_CA="$tls/other-ca.pem" \
    cargo test -p shelfmark-server --lib --test conformance --test pyzotero --test postgres_tls \
    --test postgres_processes --test stream "$@"
