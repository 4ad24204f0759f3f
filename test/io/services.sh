#!/usr/bin/env bash
# test/io/services.sh - start and stop what the I/O tests need, on a fresh Debian 12 machine:
#
#   test/io/services.sh start    PostgreSQL on localhost:5432 (user postgres, password postgres,
#                                as the reference's tests hard-code) in a throwaway cluster, and
#                                a local HTTP server (python3's http.server) for client tests
#   test/io/services.sh stop     stop both and delete the cluster
#   test/io/services.sh status
#
# Idempotent: start does nothing for a service that already answers; stop ignores what is not
# running. Works as root (the cluster runs as the postgres user) or as an ordinary user.
#
# State lives in $NOSTOS_SERVICES_DIR (default /tmp/nostos-services):
#   pg/            the cluster (fsync off: throwaway), its socket and log
#   www/           files served over HTTP (small.txt, hello.txt)
#   http_url       the base URL of the HTTP server, e.g. http://127.0.0.1:18980
#
# Debian packages: postgresql (postgresql-15), python3. If PostgreSQL is missing and we are
# root, start installs it with apt-get.
set -uo pipefail

DIR=${NOSTOS_SERVICES_DIR:-/tmp/nostos-services}
PGPORT=${NOSTOS_PG_PORT:-5432}
HTTP_PORT=${NOSTOS_HTTP_PORT:-18980}

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

# Run a command as the cluster's owner (postgres when we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$*"
    else
        sh -c "$*"
    fi
}

pg_ready() {
    local bin
    bin=$(pg_bin) || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" >/dev/null 2>&1
}

pg_start() {
    if pg_ready; then
        echo "services: PostgreSQL already answers on port $PGPORT"
        return 0
    fi
    local bin
    if ! bin=$(pg_bin); then
        if [ "$(id -u)" -eq 0 ]; then
            echo "services: installing postgresql"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        fi
        bin=$(pg_bin) || { echo "services: PostgreSQL is not installed" >&2; return 1; }
    fi
    mkdir -p "$DIR/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/pg" && chmod 700 "$DIR/pg"
    if [ ! -f "$DIR/pg/data/PG_VERSION" ]; then
        printf 'postgres\n' > "$DIR/pg/pwfile"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/pg/pwfile"
        as_owner "'$bin/initdb' -D '$DIR/pg/data' -U postgres --pwfile='$DIR/pg/pwfile' \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 -N" \
            >"$DIR/pg/initdb.log" 2>&1 || { cat "$DIR/pg/initdb.log" >&2; return 1; }
        rm -f "$DIR/pg/pwfile"
        # A self-signed certificate, so that sslmode=require connections work too.
        if command -v openssl >/dev/null; then
            openssl req -new -x509 -days 3650 -nodes -subj /CN=localhost \
                -keyout "$DIR/pg/data/server.key" -out "$DIR/pg/data/server.crt" >/dev/null 2>&1 &&
                chmod 600 "$DIR/pg/data/server.key" &&
                { [ "$(id -u)" -ne 0 ] || chown postgres: "$DIR/pg/data/server.key" "$DIR/pg/data/server.crt"; }
        fi
    fi
    local ssl=""
    [ -f "$DIR/pg/data/server.key" ] && ssl="-c ssl=on"
    as_owner "'$bin/pg_ctl' -D '$DIR/pg/data' -l '$DIR/pg/log' -w -t 30 -o \
        \"-c listen_addresses=localhost -p $PGPORT -k '$DIR/pg' -c fsync=off \
          -c full_page_writes=off -c synchronous_commit=off -c max_connections=300 $ssl\" start" \
        >/dev/null 2>&1 || { tail -20 "$DIR/pg/log" >&2; return 1; }
    pg_ready || { echo "services: PostgreSQL did not come up" >&2; return 1; }
    echo "services: PostgreSQL on localhost:$PGPORT (user postgres, password postgres)"
}

pg_stop() {
    local bin
    bin=$(pg_bin) || return 0
    if [ -f "$DIR/pg/data/postmaster.pid" ]; then
        as_owner "'$bin/pg_ctl' -D '$DIR/pg/data' -m fast -w -t 30 stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR/pg"
}

http_up() {
    [ -f "$DIR/http_url" ] && curl -sf -o /dev/null --max-time 2 "$(cat "$DIR/http_url")/hello.txt"
}

http_start() {
    if http_up; then
        echo "services: HTTP already answers at $(cat "$DIR/http_url")"
        return 0
    fi
    mkdir -p "$DIR/www"
    printf 'hello from nginx: a small static file used by the http_get peer benchmark.\n' \
        > "$DIR/www/small.txt"
    printf 'Hello, World!\n' > "$DIR/www/hello.txt"
    local port
    for port in $HTTP_PORT $((HTTP_PORT + 1)) $((HTTP_PORT + 2)) $((HTTP_PORT + 3)); do
        # python3 -m http.server, with a listen backlog that takes 100 parallel clients
        # (the module's default of 5 makes the kernel drop connections) and no access log.
        python3 -c '
import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
Server(("127.0.0.1", int(sys.argv[1])),
       functools.partial(Handler, directory=sys.argv[2])).serve_forever()
' "$port" "$DIR/www" >"$DIR/http.log" 2>&1 &
        echo $! > "$DIR/http.pid"
        echo "http://127.0.0.1:$port" > "$DIR/http_url"
        for _ in $(seq 1 50); do
            http_up && { echo "services: HTTP at $(cat "$DIR/http_url")"; return 0; }
            kill -0 "$(cat "$DIR/http.pid")" 2>/dev/null || break
            sleep 0.1
        done
        kill "$(cat "$DIR/http.pid")" 2>/dev/null || true
    done
    echo "services: could not start the HTTP server" >&2
    return 1
}

http_stop() {
    if [ -f "$DIR/http.pid" ]; then
        kill "$(cat "$DIR/http.pid")" 2>/dev/null || true
        rm -f "$DIR/http.pid"
    fi
    rm -f "$DIR/http_url"
}

case "${1:-}" in
start)
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    pg_start && http_start
    ;;
stop)
    http_stop
    pg_stop
    ;;
status)
    pg_ready && echo "PostgreSQL: up on $PGPORT" || echo "PostgreSQL: down"
    http_up && echo "HTTP: up at $(cat "$DIR/http_url")" || echo "HTTP: down"
    ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
