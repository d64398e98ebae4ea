"""The reminder engine: ledger, catch-up, digests, failures."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from improvements import reminders
from improvements.models import Action, Reminder, ReminderPreference, ReminderRule, Status
from inspections.models import FollowUpReview

from .clock import at
from .factories import ActionFactory, FindingFactory, FollowUpReviewFactory, JudgmentFactory

pytestmark = pytest.mark.django_db

WED = date(2027, 3, 3)  # a Wednesday with no bank holiday near it


@pytest.fixture(autouse=True)
def _clock(request, time_machine):
    """Rows are made on the morning of the test's first run: WED unless the test says
    ``@pytest.mark.time_machine(at(day))``. "No update for 30 days" counts from an
    action's created_at, so on the real clock these tests fail whenever today is about
    30 days before a pinned run date (mid-January to early February 2027)."""
    if request.node.get_closest_marker("time_machine") is None:
        time_machine.move_to(at(WED))


@pytest.fixture(autouse=True)
def _no_weekly_digest(db):
    ReminderRule.objects.filter(anchor="weekly").update(active=False)


def run(day):
    """``send_reminders --date day``, run that morning (as the daily beat task is)."""
    out = StringIO()
    with time_machine.travel(at(day)):
        call_command("send_reminders", "--date", day.isoformat(), "--json", stdout=out)
    return json.loads(out.getvalue())


def due_in(action, days, from_day=WED):
    Action.objects.filter(pk=action.pk).update(due_date=from_day + timedelta(days=days))


def test_the_same_date_twice_sends_once(action, mailoutbox):
    due_in(action, 7)
    first = run(WED)
    assert first["sent"] == 1 and first["recipients"] == 1
    assert len(mailoutbox) == 1
    assert run(WED) == {"sent": 0, "failed": 0, "skipped": 1, "recipients": 0}
    assert len(mailoutbox) == 1


def test_a_gap_is_caught_up_once(action, alpha_finding, owner, mailoutbox):
    # a: "due in 14 days" already owed on Wednesday, "due in 7 days" owed on Thursday;
    # b: "due in 14 days" owed on Friday.
    a = ActionFactory(finding=alpha_finding, owner=owner, due_date=WED + timedelta(days=8))
    b = ActionFactory(finding=alpha_finding, owner=owner, due_date=WED + timedelta(days=16))
    due_in(action, 60)
    assert run(WED)["sent"] == 1
    mailoutbox.clear()
    monday = WED + timedelta(days=5)  # Thursday and Friday runs missed
    result = run(monday)
    assert result["sent"] == 2
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert a.title in body and b.title in body
    assert run(monday)["sent"] == 0


def test_a_due_date_change_rearms_the_reminders(action, mailoutbox):
    due_in(action, 7)
    run(WED)
    assert Reminder.objects.filter(rule__name="Due in 7 days").count() == 1
    later = WED + timedelta(days=7)
    Action.objects.filter(pk=action.pk).update(due_date=later + timedelta(days=7))
    assert run(later)["sent"] == 1
    assert Reminder.objects.filter(rule__name="Due in 7 days").count() == 2


@pytest.mark.parametrize(
    "status", [Status.SIGNED_OFF, Status.CANCELLED, Status.SUPERSEDED, Status.COMPLETED]
)
def test_closed_actions_get_nothing(action, status, mailoutbox):
    extra = {}
    if status in (Status.COMPLETED, Status.SIGNED_OFF):
        extra = {"completed_by": action.owner, "completed_at": "2026-12-31T10:00Z"}
    if status == Status.SIGNED_OFF:
        extra.update(signed_off_by=action.lead, signed_off_at="2027-01-01T10:00Z")
    Action.objects.filter(pk=action.pk).update(status=status, due_date=WED, **extra)
    assert run(WED)["sent"] == 0
    assert mailoutbox == []


def test_inactive_users_get_nothing(action, owner, mailoutbox):
    due_in(action, -1)
    owner.is_active = False
    owner.save()
    assert run(WED)["sent"] == 0


def test_one_recipient_with_five_due_actions_gets_one_email_listing_five(
    alpha_finding, owner, mailoutbox
):
    actions = [
        ActionFactory(
            finding=alpha_finding,
            owner=owner,
            due_date=WED + timedelta(days=7),
            title=f"Task number {n}",
        )
        for n in range(5)
    ]
    result = run(WED)
    assert result["sent"] == 5 and result["recipients"] == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [owner.email]
    for a in actions:
        assert a.title in message.body
        assert f"/actions/{a.pk}/" in message.body
    html = message.alternatives[0][0]
    assert all(f"/actions/{a.pk}/" in html for a in actions)


def test_overdue_repeats_weekly_and_escalates_to_the_lead(action, owner, manager, mailoutbox):
    due_in(action, -7)  # due last Wednesday: overdue today, 7 days overdue for the lead
    run(WED)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([owner.email, manager.email])
    mailoutbox.clear()
    assert run(WED + timedelta(days=1))["sent"] == 0
    assert run(WED + timedelta(days=7))["sent"] == 1  # weekly again, to the owner only


def test_the_review_reminder_lists_only_actions_in_scope(alpha_inspection, owner, mailoutbox):
    in_scope_j = JudgmentFactory(inspection=alpha_inspection, number=3)
    other_j = JudgmentFactory(inspection=alpha_inspection, number=4)
    inside = ActionFactory(
        finding=FindingFactory(judgment=in_scope_j, reference="Q3-AFI-1"),
        owner=owner,
        title="Inside the scope",
        due_date=WED + timedelta(90),
    )
    outside = ActionFactory(
        finding=FindingFactory(judgment=other_j, reference="Q4-AFI-1"),
        owner=owner,
        title="Outside the scope",
        due_date=WED + timedelta(90),
    )
    review = FollowUpReviewFactory(
        inspection=alpha_inspection,
        evidence_due=WED + timedelta(28),
        status=FollowUpReview.Status.SCHEDULED,
    )
    review.judgments.add(in_scope_j)
    result = run(WED)
    assert result["recipients"] == 1
    body = mailoutbox[0].body
    assert inside.title in body and outside.title not in body


def test_opted_out_users_get_only_mandatory_reminders(action, owner, mailoutbox):
    ReminderPreference.objects.create(user=owner, opt_out=True)
    due_in(action, 7)
    assert run(WED)["sent"] == 0
    due_in(action, 0)
    assert run(WED)["sent"] == 1  # overdue is mandatory


@pytest.mark.time_machine(at(date(2027, 3, 5)))
def test_weekend_reminders_go_out_on_the_friday(action, mailoutbox):
    friday = date(2027, 3, 5)
    due_in(action, 8, from_day=friday)  # "due in 7 days" owed on Saturday
    assert run(friday)["sent"] == 1
    assert run(date(2027, 3, 6))["sent"] == 0


@pytest.mark.time_machine(at(date(2027, 3, 6)))
def test_a_weekend_run_catches_up_what_was_missed(action, mailoutbox):
    saturday = date(2027, 3, 6)
    due_in(action, 5, from_day=saturday)  # "due in 7 days" owed since Thursday
    assert run(saturday)["sent"] == 1
    assert run(date(2027, 3, 8))["sent"] == 0  # Monday: already sent


def test_bank_holidays_count():
    assert not reminders.is_working_day(date(2027, 12, 27))  # Christmas substitute day
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March
    assert reminders.previous_working_day(date(2027, 3, 29)) == date(2027, 3, 25)


def test_a_mail_failure_is_recorded_and_retried(action, settings, mailoutbox):
    due_in(action, 7)
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception, match="failed"):
        call_command("send_reminders", "--date", WED.isoformat(), stdout=out, stderr=err)
    row = Reminder.objects.get()
    assert row.status == Reminder.State.FAILED and "SMTP is down" in row.error
    assert row.attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(WED)["sent"] == 1
    row.refresh_from_db()
    assert row.status == Reminder.State.SENT and row.error == ""


def test_the_same_delivery_twice_sends_once(action, mailoutbox):
    due_in(action, 7)
    reminders.sweep(WED)
    assert reminders.deliver(action.owner_id, WED) == 1
    assert reminders.deliver(action.owner_id, WED) == 0
    assert len(mailoutbox) == 1


def test_dry_run_writes_and_sends_nothing(action, mailoutbox):
    due_in(action, 7)
    out = StringIO()
    call_command("send_reminders", "--date", WED.isoformat(), "--dry-run", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["would_send"] == 1 and "sent" not in printed
    assert not Reminder.objects.exists() and mailoutbox == []


def test_reminders_state_facts_with_the_actions_own_reference(action, owner, mailoutbox):
    due_in(action, 7)
    run(WED)
    body = mailoutbox[0].body
    assert f"{action.finding.reference}/A{action.pk}: {action.title}" in body
    assert "Due in 7 days (10 March)" in body
    for rule in ReminderRule.objects.all():
        assert f"\n  {rule.name}\n" not in body  # no rule names, only facts
    due_in(action, -18)
    Reminder.objects.all().delete()
    run(WED)
    assert "18 days overdue (due 13 February)" in mailoutbox[-1].body


def test_a_preview_prints_the_email_and_sends_and_writes_nothing(action, owner, mailoutbox):
    due_in(action, 7)
    out = StringIO()
    call_command(
        "send_reminders", "--preview", owner.username, "--date", WED.isoformat(), stdout=out
    )
    printed = out.getvalue()
    assert f"To: {owner.email}" in printed and "Due in 7 days (10 March)" in printed
    assert not Reminder.objects.exists() and mailoutbox == []
    with pytest.raises(Exception, match="No one has the username"):
        call_command("send_reminders", "--preview", "nobody-here")


def test_bad_date_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "31/12/2027")


def test_sweep_query_count_does_not_grow_with_actions(
    alpha_finding, owner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(day):
        with CaptureQueriesContext(connection) as ctx:
            reminders.sweep(day)
        return len(ctx.captured_queries)

    ActionFactory(finding=alpha_finding, owner=owner, due_date=WED + timedelta(days=7))
    small = count(WED)
    for n in range(30):
        ActionFactory(
            finding=alpha_finding,
            owner=owner,
            due_date=WED + timedelta(days=14 + 7) + timedelta(days=n % 3),
        )
    assert count(WED + timedelta(days=7)) <= small + 1


@pytest.mark.time_machine(at(date(2027, 3, 1)))
def test_managers_weekly_digest(manager, action, mailoutbox):
    ReminderRule.objects.filter(anchor="weekly").update(active=True)
    due_in(action, 60)
    run(date(2027, 3, 1))  # a Monday
    assert [m.to[0] for m in mailoutbox] == [manager.email]
    assert "Alpha Police" in mailoutbox[0].body
    assert run(date(2027, 3, 2))["sent"] == 0


def test_an_ex_member_is_owed_nothing(action, owner, manager, mailoutbox):
    """Someone whose membership was removed can no longer open the action, so the sweep
    owes them nothing; the lead, still a member, keeps their escalation."""
    due_in(action, -7)  # overdue a week: the owner's weekly reminder, the lead's escalation
    owner.memberships.all().delete()
    run(WED)
    assert owner.email not in [m.to[0] for m in mailoutbox]
    assert not Reminder.objects.filter(recipient=owner).exists()
    assert [m.to[0] for m in mailoutbox] == [manager.email]


def test_an_ex_member_gets_no_review_reminders(action, owner, mailoutbox):
    review = FollowUpReviewFactory(
        inspection=action.finding.inspection,
        evidence_due=WED + timedelta(days=14),
        status=FollowUpReview.Status.SCHEDULED,
    )
    review.findings.add(action.finding)
    due_in(action, 60)
    owner.memberships.all().delete()
    run(WED)
    assert not Reminder.objects.filter(recipient=owner).exists()


@pytest.mark.time_machine(at(date(2027, 3, 1)))
def test_the_weekly_digest_and_the_board_agree(client, manager, owner, alpha_finding, mailoutbox):
    """One definition of "open", "overdue" and "awaiting sign-off", and the digest's own
    day: the email's figures are the board's for the same force and day."""
    import re

    from improvements import services

    ReminderRule.objects.filter(anchor="weekly").update(active=True)
    monday = date(2027, 3, 1)
    ActionFactory(finding=alpha_finding, owner=owner, due_date=monday - timedelta(days=3))
    ActionFactory(finding=alpha_finding, owner=owner, due_date=monday + timedelta(days=20))
    done = ActionFactory(finding=alpha_finding, owner=owner, due_date=monday + timedelta(days=5))
    services.progress_update_add(action=done, by=owner, text="Go.", to_status="in_progress")
    services.progress_update_add(
        action=done,
        by=owner,
        text="Done.",
        to_status="completed",
        no_evidence_reason="Nothing to attach: a verbal briefing.",
    )
    run(monday)
    body = mailoutbox[0].body
    emailed = re.search(r"(\d+) open, (\d+) overdue, (\d+) awaiting sign-off", body).groups()
    client.force_login(manager)
    board = client.get("/board/").context
    counts = board["counts"]
    assert tuple(map(int, emailed)) == (
        counts["open"],
        counts["overdue"],
        counts["awaiting_sign_off"],
    )
    assert counts["open"] == 3  # the completed one waits for sign-off: it is open


def test_rows_owed_before_someone_left_are_not_sent_after(action, owner, mailoutbox):
    """A reminder written by the sweep, then the owner leaves before delivery (a retry
    after a failed send, say): the retry tells them nothing."""
    due_in(action, 7)
    with time_machine.travel(at(WED)):
        reminders.sweep(WED)
    assert Reminder.objects.filter(recipient=owner, status=Reminder.State.PENDING).exists()
    owner.memberships.all().delete()
    with time_machine.travel(at(WED)):
        assert reminders.deliver(owner.pk, WED) == 0
    assert mailoutbox == []
    assert set(Reminder.objects.filter(recipient=owner).values_list("status", flat=True)) == {
        Reminder.State.SKIPPED
    }


def test_managers_are_reminded_of_the_pcc_response_deadline(
    alpha_inspection, manager, owner, mailoutbox
):
    """Published 42 days before WED: the response (56 days) is due in 14 days, which
    the force's managers hear, with the date and a link, and staff don't."""
    from improvements.models import Reminder as Ledger
    from inspections.models import Inspection

    Inspection.objects.filter(pk=alpha_inspection.pk).update(published=WED - timedelta(42))
    result = run(WED)
    assert result["sent"] == 1 and result["recipients"] == 1
    (message,) = mailoutbox
    assert message.to == [manager.email]
    assert "The PCC's response to a report".upper() in message.body
    assert "due in 14 days (17 March), 56 days after publication" in message.body
    assert f"/inspections/{alpha_inspection.pk}/" in message.body
    assert Ledger.objects.get().subject == f"inspection:{alpha_inspection.pk}"
    # Once only, and nothing more until the 3-day reminder.
    assert run(WED)["sent"] == 0
    assert run(WED + timedelta(1))["sent"] == 0
    # The 3-day reminder is owed on Sunday 14 March: it goes out the Friday before.
    assert run(WED + timedelta(9))["sent"] == 1
    assert "due in 5 days (17 March)" in mailoutbox[-1].body  # counted from the Friday


def test_no_response_reminder_without_a_publication_date(alpha_inspection, manager, mailoutbox):
    from inspections.models import Inspection

    Inspection.objects.filter(pk=alpha_inspection.pk).update(published=None)
    assert run(WED)["sent"] == 0
