#!/usr/bin/env bash
# `make run`: prepare var/ (migrate, static files, demo on first run), then start the web server,
# the task worker and the scheduler together; Ctrl-C (or any one of them dying) stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python
URL="http://${HOST}:${PORT}/"
case "$HOST" in *:*) URL="http://[${HOST}]:${PORT}/" ;; esac

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py load_demo --if-empty

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/gunicorn zhenwu.wsgi:application \
  --bind "${HOST}:${PORT}" \
  --worker-class gthread --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-4}" \
  --timeout 60 --graceful-timeout 10 --access-logfile - &
pids+=($!)
$PY manage.py db_worker --interval 1 &
pids+=($!)
$PY manage.py run_scheduler &
pids+=($!)

# Print the address and logins once the site answers, so they are the last lines a user sees.
$PY - "$URL" <<'PYEOF' || true
import sys, time, urllib.request
url = sys.argv[1] + "readyz"
for _ in range(100):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 -- our own loopback URL
            if r.status == 200:
                break
    except OSError:
        time.sleep(0.2)
PYEOF
$PY manage.py demo_logins --url "$URL"
echo "Press Ctrl-C to stop the web server, the task worker and the scheduler."

# Stop everything as soon as one process exits.
wait -n "${pids[@]}"
