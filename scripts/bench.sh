#!/usr/bin/env bash
# `make bench`: the benchmark of docs/performance.md on SQLite and PostgreSQL, every scale.
#
# Each database and scale has its own database under var/bench/ (SQLite files; one kept PostgreSQL
# cluster with a database per scale), generated on the first run and reused afterwards (delete
# var/bench/ to start over). Prints one JSON line per scenario and appends them to
# var/bench/results.jsonl. Settings: BENCH_DATABASES ("sqlite postgresql"), BENCH_SCALES ("township
# county province"), BENCH_REPEAT (30), BENCH_LOAD_SECONDS (60: the HTTP load run at county scale;
# 0 skips it), BENCH_ONLY (run only scenarios whose name contains it, or one of several words,
# comma-separated), BENCH_GENERATE_ONLY=1 (build the datasets and stop).
set -euo pipefail
cd "$(dirname "$0")/.."

DBS="${BENCH_DATABASES:-sqlite postgresql}"
SCALES="${BENCH_SCALES:-township county province}"
REPEAT="${BENCH_REPEAT:-30}"
LOAD_SECONDS="${BENCH_LOAD_SECONDS:-60}"
ROOT="$PWD/var/bench"
RESULTS="$ROOT/results.jsonl"
mkdir -p "$ROOT"
# Production settings (DEBUG off, cached templates), as `make run` serves.
export DJANGO_SETTINGS_MODULE=zhenwu.settings DJANGO_DEBUG=0 PYTHONUNBUFFERED=1

run_scale() {  # DATABASE SCALE, with ZHENWU_VAR_DIR (and DATABASE_URL) set
  local args=(--scale "$2" --repeat "$REPEAT")
  if [ -n "${BENCH_ONLY:-}" ]; then args+=(--only "$BENCH_ONLY"); fi
  if [ -n "${BENCH_GENERATE_ONLY:-}" ]; then args+=(--generate-only); fi
  if [ "$2" = "county" ] && [ "$LOAD_SECONDS" != "0" ]; then
    args+=(--load --load-seconds "$LOAD_SECONDS")
  fi
  echo "=== $1, $2 ===" >&2
  .venv/bin/python manage.py migrate --noinput --verbosity 0
  .venv/bin/python manage.py bench "${args[@]}" | tee -a "$RESULTS"
}

if [ "${1:-}" = "--postgresql-inner" ]; then
  # Inside scripts/with-postgres.sh: one database per scale in the kept cluster.
  base="${DATABASE_URL%/*}"
  for scale in $SCALES; do
    .venv/bin/python - "$base" "zhenwu_bench_$scale" <<'EOF'
import sys

import psycopg

with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone():
        conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
EOF
    (export DATABASE_URL="$base/zhenwu_bench_$scale" ZHENWU_VAR_DIR="$ROOT/postgresql-$scale"; run_scale postgresql "$scale")
  done
  exit 0
fi

for db in $DBS; do
  case "$db" in
    sqlite)
      for scale in $SCALES; do
        (unset DATABASE_URL; export ZHENWU_VAR_DIR="$ROOT/sqlite-$scale"; run_scale sqlite "$scale")
      done
      ;;
    postgresql)
      ZHENWU_PG_KEEP="$ROOT/postgresql" scripts/with-postgres.sh "$0" --postgresql-inner
      ;;
    *) echo "unknown database: $db" >&2; exit 2 ;;
  esac
done
echo "results appended to $RESULTS" >&2
