# Sourced by bench/server's scripts: nginx serving a 64-byte file (the ceiling of HTTP on this
# machine, against which the bars are set) from folder "$1", which nginx's workers must be able to
# read (run as root, they are `nobody`), on a free port. Sets nginx_pid and nginx_url; fails unless
# nginx answers the file with a 200.
start_nginx() {
  local dir="$1" port
  mkdir -p "$dir/www" "$dir/nginx"
  printf '{"status":"ok","padding":"..........................."}\n' >"$dir/www/small.json"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 2; pid $dir/nginx/pid; error_log $dir/nginx/error.log; daemon off;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx; uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
  server { listen 127.0.0.1:$port; root $dir/www; } }
CONF
  nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" &
  nginx_pid=$!
  nginx_url="http://127.0.0.1:$port/small.json"
  for _ in $(seq 100); do curl -sf "$nginx_url" >/dev/null && return 0; sleep 0.05; done
  echo "bench/server: nginx does not serve the file" >&2
  return 1
}
