#!/usr/bin/env bash
# The load test: locust, headless, against gunicorn on PostgreSQL with the demo and
# seed_bench data. It needs 0 errors, and prints p50 and p95 per page.
#
#   scripts/loadtest.sh                 # 50 users for 60 s (docs/PERFORMANCE.md)
#   scripts/loadtest.sh --smoke         # 10 users for 10 s (CI)
#   USERS=100 LOAD_SECONDS=120 scripts/loadtest.sh
#
# It uses its own database (LOAD_DATABASE_URL, default peel_load on 127.0.0.1) and a
# temporary folder for evidence and static files, and plain HTTP on loopback: the secure
# cookie and redirect defaults are lowered for it, as for any local run.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS="${USERS:-50}"
SECONDS_TO_RUN="${LOAD_SECONDS:-60}"
if [[ "${1:-}" == "--smoke" ]]; then
  USERS="${USERS_SMOKE:-10}"
  SECONDS_TO_RUN=10
fi
PY=.venv/bin/python
PORT="${LOAD_PORT:-8765}"
WORKERS="${LOAD_WORKERS:-4}"
DB_NAME="${LOAD_DB_NAME:-peel_load}"
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$DB_NAME}"
WORK="$(mktemp -d)"
trap 'kill "${GUNICORN_PID:-}" 2>/dev/null && wait "${GUNICORN_PID:-}" 2>/dev/null; rm -rf "$WORK"' EXIT

export DEBUG=false
export SECRET_KEY="load-test-only-$(head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0
export PEEL_VAR_DIR="$WORK/var" STATIC_ROOT="$WORK/static"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-memory://}"
export LOG_LEVEL=WARNING
export LOAD_PASSWORD="load-pass-123"
export LOAD_PEOPLE="$WORK/people.txt"

if [[ "$DATABASE_URL" == postgres://*"/$DB_NAME" ]]; then
  dropdb --if-exists -h 127.0.0.1 -U postgres "$DB_NAME"
  createdb -h 127.0.0.1 -U postgres "$DB_NAME"
fi
echo "load test: preparing $DATABASE_URL"
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo --password "$LOAD_PASSWORD" >/dev/null
$PY manage.py seed_bench --forces 5 --actions-per-force 400 --password "$LOAD_PASSWORD" >/dev/null
$PY manage.py shell -c "
from inspections.models import Membership
for m in Membership.objects.filter(user__username__startswith='bench-').select_related('user'):
    print(('manager' if m.role != 'staff' else 'staff') + ':' + m.user.username)
" >"$LOAD_PEOPLE"

.venv/bin/gunicorn peel.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" --timeout 60 &
GUNICORN_PID=$!
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz/" >/dev/null 2>&1 && break
  sleep 0.5
done

echo "load test: $USERS users for ${SECONDS_TO_RUN}s on gunicorn ($WORKERS workers), $(nproc) cores"
status=0
.venv/bin/locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users "$USERS" --spawn-rate "$USERS" --run-time "${SECONDS_TO_RUN}s" \
  --csv "$WORK/stats" --only-summary --loglevel WARNING >"$WORK/locust.log" 2>&1 || status=$?

$PY - "$WORK/stats_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'page':<44} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}")
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "all"
    print(f"{name:<44} {row['Request Count']:>8} {row['Failure Count']:>6} "
          f"{row['50%']:>7} {row['95%']:>7}")
PY
if [[ -s "$WORK/stats_failures.csv" ]] && [[ $(wc -l <"$WORK/stats_failures.csv") -gt 1 ]]; then
  echo "failures:"; cat "$WORK/stats_failures.csv"
fi
if [[ $status -ne 0 ]]; then
  echo "load test FAILED (locust exit $status)"; tail -20 "$WORK/locust.log"; tail -20 "$WORK/gunicorn.log"
  exit 1
fi
echo "load test passed: 0 errors"
