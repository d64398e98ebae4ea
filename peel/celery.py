"""The Celery application, as in Celery's "First steps with Django" guide.

Configuration comes from Django settings under the ``CELERY_`` namespace, so the
broker, serialiser, time limits and the beat schedule live in ``peel/settings.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peel.settings")

app = Celery("peel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
