"""The reminder engine (docs/architecture.md, "Reminders"), in two parts:

- ``engine``: working days (weekends and England and Wales bank holidays), the selection
  of what is owed under the active rules, and ``sweep(day)``, which writes it to the
  ledger (``Reminder``) as pending;
- ``delivery``: ``recipients_due(day)`` and ``deliver(recipient, day)``, which claims a
  recipient's pending rows, sends one digest email listing them all and records the
  outcome (``DeliveryFailed`` when the mail could not be sent).

The names other modules use are re-exported here: ``from improvements import reminders``
then ``reminders.sweep(day)``, ``reminders.deliver(...)``. Patch a name in the module that
defines it (``improvements.reminders.engine`` or ``improvements.reminders.delivery``).
"""

from .delivery import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    SECTION_ORDER,
    SECTION_TITLES,
    DeliveryFailed,
    build_digest,
    deliver,
    preview,
    recipients_due,
)
from .engine import (
    AUD,
    BATCH,
    CATCH_UP_DAYS,
    A,
    Owed,
    Rule,
    SweepResult,
    active_recipient_ids,
    is_working_day,
    owed,
    previous_working_day,
    send_horizon,
    sweep,
)

__all__ = [
    "AUD",
    "BATCH",
    "CATCH_UP_DAYS",
    "CLAIM_TIMEOUT",
    "MAX_ATTEMPTS",
    "SECTION_ORDER",
    "SECTION_TITLES",
    "A",
    "DeliveryFailed",
    "Owed",
    "Rule",
    "SweepResult",
    "active_recipient_ids",
    "build_digest",
    "deliver",
    "is_working_day",
    "owed",
    "preview",
    "previous_working_day",
    "recipients_due",
    "send_horizon",
    "sweep",
]
