"""A real Celery worker runs a task through the configured broker (Redis in CI)."""

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from inspections.models import Force
from peel.celery import app

from . import celery_tasks


def test_configuration_follows_the_guide():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.task_always_eager is False


def test_ci_uses_redis():
    if os.environ.get("CI") == "true":
        assert settings.CELERY_BROKER_URL.startswith("redis://"), (
            "CI must run the worker tests on Redis: set CELERY_BROKER_URL"
        )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_the_broker():
    force = Force.objects.create(name="Before", slug="before")
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery_tasks.rename_force.delay(force.pk, "After")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            force.refresh_from_db()
            if force.name == "After":
                break
            time.sleep(0.2)
    assert force.name == "After"
