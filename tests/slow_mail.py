"""An email backend for the fault tests, used by a worker in another process: it marks
that a send began, takes SLOW_MAIL_SECONDS, then writes each recipient to an outbox
file (one line per email) in SLOW_MAIL_DIR."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["SLOW_MAIL_DIR"])
        (folder / "started").touch()
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0")))
        with (folder / "outbox").open("a") as outbox:
            for message in email_messages:
                outbox.write(",".join(message.to) + "\n")
        return len(email_messages)
