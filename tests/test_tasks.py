"""Celery tasks: enqueue after commit, idempotent delivery, a real worker end to end."""

import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from improvements import tasks
from improvements.models import Action, Reminder, ReminderRule
from peel.celery import app

from .clock import at

WED = date(2027, 3, 3)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The tests sweep WED, so they run on WED's morning: "no update for 30 days" counts
    from an action's created_at, which would otherwise come from the real clock."""
    time_machine.move_to(at(WED))


@pytest.fixture(autouse=True)
def _no_weekly_digest(db):
    ReminderRule.objects.filter(anchor="weekly").update(active=False)


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.django_db
def test_delivery_is_enqueued_after_commit(action, django_capture_on_commit_callbacks, monkeypatch):
    Action.objects.filter(pk=action.pk).update(due_date=WED + timedelta(days=7))
    queued = []
    monkeypatch.setattr(tasks.reminders_deliver, "delay", lambda *a: queued.append(a))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.reminders_sweep(WED.isoformat())
    assert queued == []  # nothing is sent to the broker before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [(action.owner_id, WED.isoformat())]


@pytest.mark.django_db
def test_the_same_task_delivered_twice_sends_once(action, mailoutbox):
    Action.objects.filter(pk=action.pk).update(due_date=WED + timedelta(days=7))
    from improvements import reminders

    reminders.sweep(WED)
    assert tasks.reminders_deliver.run(action.owner_id, WED.isoformat()) == 1
    assert tasks.reminders_deliver.run(action.owner_id, WED.isoformat()) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_mail_error_is_recorded_and_the_task_retries(action, settings):
    from improvements import reminders

    Action.objects.filter(pk=action.pk).update(due_date=WED + timedelta(days=7))
    reminders.sweep(WED)
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    assert reminders.DeliveryFailed in tasks.reminders_deliver.autoretry_for
    with pytest.raises(reminders.DeliveryFailed):
        tasks.reminders_deliver.run(action.owner_id, WED.isoformat())
    row = Reminder.objects.get()
    assert row.status == Reminder.State.FAILED and "SMTP is down" in row.error


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_end_to_end(action, mailoutbox):
    """The daily sweep through the configured broker (Redis in CI): the worker runs the
    sweep, which queues a delivery after commit, which the worker sends once."""
    Action.objects.filter(pk=action.pk).update(due_date=WED + timedelta(days=7))
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    # Sent before the worker starts (see test_celery: the filesystem transport can read a
    # message that is still being written); the worker then queues the delivery itself.
    tasks.reminders_sweep.delay(WED.isoformat())
    tasks.reminders_sweep.delay(WED.isoformat())  # a second delivery of the beat task
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Reminder.objects.filter(status=Reminder.State.SENT).exists() and mailoutbox:
                break
            time.sleep(0.2)
        time.sleep(1.5)  # let any duplicate delivery run
    assert Reminder.objects.get().status == Reminder.State.SENT
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [action.owner.email]
