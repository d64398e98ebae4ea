"""A real Celery worker runs a task through the configured broker (Redis in CI)."""

import os
import time
import uuid

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
    """The app uses the broker the environment names (the filesystem default when none
    is named), CI names Redis, and that broker answers: a message goes through it."""
    expected = os.environ.get("CELERY_BROKER_URL", "") or "filesystem://"
    configured = settings.CELERY_BROKER_URL
    assert configured == expected
    assert app.conf.broker_url == expected
    ci = os.environ.get("CI") == "true"
    if ci:
        assert expected.startswith(("redis://", "rediss://")), (
            "CI must run the worker tests on Redis: set CELERY_BROKER_URL"
        )
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=2)
        scheme = expected.split("://", 1)[0]
        assert conn.transport.driver_type == ("redis" if scheme == "rediss" else scheme)
        if ci:
            assert conn.default_channel.client.ping() is True
        queue = conn.SimpleQueue(f"peel-test-ping-{uuid.uuid4().hex}")
        try:
            queue.put({"ping": 1})
            message = queue.get(timeout=10)
            message.ack()
            assert message.payload == {"ping": 1}
        finally:
            queue.queue.delete()
            queue.close()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_through_the_broker():
    force = Force.objects.create(name="Before", slug="before")
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    # Sent before the worker starts: kombu's filesystem transport reads a message file
    # without waiting for the writer's lock, so a worker polling while a message is being
    # written can read it empty and stop (JSONDecodeError, "Unrecoverable error").
    celery_tasks.rename_force.delay(force.pk, "After")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            force.refresh_from_db()
            if force.name == "After":
                break
            time.sleep(0.2)
    assert force.name == "After"
