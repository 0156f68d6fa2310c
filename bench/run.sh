#!/usr/bin/env bash
# Measures Coffer's fast read path against a trivial Go handler.
#
# Builds coffer and the load tool, starts `coffer server` on a temporary data
# directory on 127.0.0.1 (a free port) with a known bootstrap API key,
# creates SECRETS arbitrary secrets, then reads them with GET
# /api/v2/secrets/{id} at each of CONNS connections for DURATION each, side
# by side with an in-process trivial handler, and prints the table. Loopback
# only; bounded in time; the server and the data are removed at the end.
#
#   bash bench/run.sh                       # defaults below
#   DURATION=5s SECRETS=2000 CONNS=1,32 bash bench/run.sh
set -euo pipefail

DURATION=${DURATION:-10s}
SECRETS=${SECRETS:-10000}
CONNS=${CONNS:-1,8,32,128}
WORKERS=${WORKERS:-16}

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=""
cleanup() {
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "building coffer and the load tool..." >&2
go build -o "$tmp/coffer" "${COFFER_PKG:-./cmd/coffer}"
go build -o "$tmp/loadtest" ./bench/loadtest

port=$("$tmp/loadtest" -free-port)
url="http://127.0.0.1:$port"
# A random bootstrap key in Coffer's API key format (44 base64url characters).
key=$(head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n=')

echo "starting coffer server on $url (data in $tmp/data)..." >&2
COFFER_BOOTSTRAP_API_KEY="$key" "$tmp/coffer" server --listen "127.0.0.1:$port" \
	--data-dir "$tmp/data" --log-level error >"$tmp/server.log" 2>&1 &
pid=$!
if ! "$tmp/loadtest" -wait "$url"; then
	echo "coffer did not start; its log:" >&2
	cat "$tmp/server.log" >&2
	exit 1
fi

echo "go $(go env GOVERSION), $(nproc) CPUs, $(uname -sr)"
COFFER_APIKEY="$key" timeout 30m "$tmp/loadtest" -url "$url" -secrets "$SECRETS" \
	-duration "$DURATION" -conns "$CONNS" -create-workers "$WORKERS"
