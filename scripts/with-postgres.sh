#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: install PostgreSQL from Debian's packages
# when it is missing, start a cluster on a free local port, export DATABASE_URL, run the command,
# then stop the cluster and remove it. Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

PGBIN="$(find_bin)"
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL is not installed; installing it from the Debian packages…" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: installing PostgreSQL needs root (apt-get). Install the 'postgresql' package and retry." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PGBIN="$(find_bin)"
fi

# ZHENWU_PG_KEEP=DIR keeps the cluster in DIR between runs (the benchmark's databases); by default it
# is a throwaway one.
KEEP="${ZHENWU_PG_KEEP:-}"
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  WORK="$(cd "$KEEP" && pwd)"
else
  WORK="$(mktemp -d /tmp/zhenwu-pg.XXXXXX)"
fi
DATA="$WORK/data"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  chown postgres: "$WORK"
  RUNAS=(su postgres -s /bin/sh -c)
fi
run() { if [ ${#RUNAS[@]} -gt 0 ]; then "${RUNAS[@]}" "$*"; else sh -c "$*"; fi; }

cleanup() {
  if [ -n "$KEEP" ]; then
    run "'$PGBIN/pg_ctl' -D '$DATA' -m fast stop" >/dev/null 2>&1 || true
  else
    run "'$PGBIN/pg_ctl' -D '$DATA' -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT INT TERM

if [ ! -f "$DATA/PG_VERSION" ]; then
  run "'$PGBIN/initdb' -D '$DATA' -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync" >/dev/null
fi
run "'$PGBIN/pg_ctl' -D '$DATA' -l '$WORK/log' -w -o \"-p $PORT -k '$WORK' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >/dev/null

export DATABASE_URL="postgres://postgres@127.0.0.1:${PORT}/${ZHENWU_PG_DATABASE:-zhenwu}"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:${PORT}" >&2
"$@"
