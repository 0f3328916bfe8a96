#!/usr/bin/env bash
# `make test` (after `make lint`): the whole suite on SQLite, then again on PostgreSQL.
# Extra pytest arguments can be passed in PYTEST_ARGS. ZHENWU_TEST_DATABASES=sqlite skips the
# PostgreSQL run for a quick local loop; CI always runs both.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS=(-p no:cacheprovider -q -n "${PYTEST_WORKERS:-2}" --dist loadfile)
# shellcheck disable=SC2206
ARGS+=(${PYTEST_ARGS:-})
DBS="${ZHENWU_TEST_DATABASES:-sqlite postgresql}"
if [ "${CI:-}" = "true" ]; then DBS="sqlite postgresql"; fi

# The browser tests drive Debian's Chromium: installed here when missing (a no-op when present).
scripts/install-browser.sh

for db in $DBS; do
  echo "=== test suite on ${db} ==="
  case "$db" in
    sqlite) env -u DATABASE_URL .venv/bin/pytest "${ARGS[@]}" ;;
    postgresql) scripts/with-postgres.sh .venv/bin/pytest "${ARGS[@]}" ;;
    *) echo "unknown database: $db" >&2; exit 2 ;;
  esac
done
