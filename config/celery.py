"""The Celery application.

Tasks take ids, reload what they need and call one service; the database is the source of
truth and the broker only a trigger.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("crossdock")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
