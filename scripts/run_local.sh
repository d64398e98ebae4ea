#!/usr/bin/env bash
# The local run: SQLite and the filesystem broker under var/, the web server, a Celery
# worker and beat. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py migrate --noinput
logins=$($PY manage.py load_demo ${DEMO_PASSWORD:+--password "$DEMO_PASSWORD"})

mkdir -p var/log
pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# The worker writes to this console so that emails (console backend) show here.
.venv/bin/celery -A peel --quiet worker --loglevel=WARNING --concurrency=1 2>&1 &
pids+=($!)
.venv/bin/celery -A peel beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

sleep 4
cat <<TXT

============================================================================
 PEEL improvement tracker is running at  http://$HOST:$PORT/
 Django admin (inspectors):             http://$HOST:$PORT/admin/
 API (signed in, or a token from the footer's "API tokens"):
                                        http://$HOST:$PORT/api/v1/actions/
 API documentation:                     http://$HOST:$PORT/api/docs/
 Celery beat logs to var/log/beat.log; emails print in this console.

$logins
============================================================================
 Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}"
