# Sourced by scripts that need a throwaway PostgreSQL server on loopback.
# start_throwaway_postgres: initdb in a temporary directory, start the server on a free port,
# export STEIGER_TEST_POSTGRES_URL, and stop and remove it all when the calling shell exits.

postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] || { echo "postgres: no server binaries under /usr/lib/postgresql (is the postgresql package installed?)" >&2; return 1; }
  echo "$dir"
}

start_throwaway_postgres() {
  local bin port dir run_as=()
  bin=$(postgres_bin) || return 1
  dir=$(mktemp -d /tmp/steiger-pg.XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    # The server refuses to run as root.
    chown postgres:postgres "$dir"
    run_as=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U steiger --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  STEIGER_PG_DIR=$dir
  STEIGER_PG_RUN_AS=("${run_as[@]}")
  export STEIGER_TEST_POSTGRES_URL="postgres://steiger@127.0.0.1:$port/postgres?sslmode=disable"
  # Stopped on exit after what the caller already runs then (its own clean-up stays).
  local previous
  previous=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "${previous:+$previous; }stop_throwaway_postgres" EXIT
  echo "postgres: throwaway server on 127.0.0.1:$port ($dir)" >&2
}

stop_throwaway_postgres() {
  [ -n "${STEIGER_PG_DIR:-}" ] || return 0
  local bin
  bin=$(postgres_bin) || return 0
  "${STEIGER_PG_RUN_AS[@]}" "$bin/pg_ctl" -D "$STEIGER_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$STEIGER_PG_DIR"
  STEIGER_PG_DIR=
}
