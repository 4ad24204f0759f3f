#!/bin/sh
# nginx.sh start|stop - the server of http_get: nginx on 127.0.0.1:18080 serving small.txt
# (a 75-byte static file) with keep-alive, from /tmp/nostos-bench-nginx. Needs nginx
# (Debian: nginx-light); exits 77 (skip) without it.
D=/tmp/nostos-bench-nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
case "$1" in
start)
    [ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install nginx-light)"; exit 77; }
    if curl -sf -o /dev/null http://127.0.0.1:18080/small.txt; then exit 0; fi
    mkdir -p "$D/www" "$D/tmp"
    printf 'hello from nginx: a small static file used by the http_get peer benchmark.\n' > "$D/www/small.txt"
    cat > "$D/nginx.conf" <<CONF
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $D/tmp;
    proxy_temp_path $D/tmp;
    fastcgi_temp_path $D/tmp;
    uwsgi_temp_path $D/tmp;
    scgi_temp_path $D/tmp;
    server {
        listen 127.0.0.1:18080 backlog=4096;
        root $D/www;
    }
}
CONF
    "$NGINX" -c "$D/nginx.conf" || exit 1
    for i in 1 2 3 4 5 6 7 8 9 10; do
        curl -sf -o /dev/null http://127.0.0.1:18080/small.txt && exit 0
        sleep 0.1
    done
    exit 1
    ;;
stop)
    [ -f "$D/nginx.pid" ] && "$NGINX" -c "$D/nginx.conf" -s quit 2>/dev/null
    exit 0
    ;;
esac
