# Throwaway PostgreSQL + PostGIS for tests and benchmarks: sourced by scripts/test, scripts/bench.
# start_pg DIR PORT  -> exports PG_URL, PG_SOCKET_URL, PG_BIN; stop_pg DIR
# PG_SERVER_OPTIONS, when set, adds server settings (e.g. "-c shared_buffers=2GB").

# The newest installed server's bin directory, or nothing.
pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_pg() {
  local dir="$1" port="$2" bin version
  bin=$(pg_bin_dir)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
  export PG_BIN="$bin"  # set before anything can fail, so stop_pg can clean up
  version=$(basename "$(dirname "$bin")")
  if ! ls /usr/share/postgresql/"$version"/extension/postgis.control >/dev/null 2>&1; then
    echo "PostGIS is not installed for PostgreSQL $version (apt-get install postgresql-postgis)" >&2
    return 1
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; RUNAS=(runuser -u postgres --); else RUNAS=(); fi
  "${RUNAS[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${RUNAS[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100 ${PG_SERVER_OPTIONS:-}" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  "${RUNAS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres placenames_test || return 1
  "${RUNAS[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d placenames_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null \
    || return 1
  export PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/placenames_test"
  # the same database through the server's Unix socket (how a local server is reached)
  export PG_SOCKET_URL="postgresql+psycopg://postgres@/placenames_test?host=$dir&port=$port"
}

stop_pg() {
  local dir="$1" bin
  bin=${PG_BIN:-$(pg_bin_dir)}
  if [ -d "$dir/data" ] && [ -n "$bin" ]; then
    if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); else RUNAS=(); fi
    "${RUNAS[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
