# Throwaway PostgreSQL + PostGIS for tests: sourced by scripts/test.
# start_pg DIR PORT  -> exports PG_URL; stop_pg DIR
start_pg() {
  local dir="$1" port="$2" bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; RUNAS=(runuser -u postgres --); else RUNAS=(); fi
  "${RUNAS[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${RUNAS[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  "${RUNAS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres placenames_test
  "${RUNAS[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d placenames_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  export PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/placenames_test"
  # the same database through the server's Unix socket (how a local server is reached)
  export PG_SOCKET_URL="postgresql+psycopg://postgres@/placenames_test?host=$dir&port=$port"
  export PG_BIN="$bin"
}

stop_pg() {
  local dir="$1"
  [ -d "$dir/data" ] || return 0
  if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); else RUNAS=(); fi
  "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
