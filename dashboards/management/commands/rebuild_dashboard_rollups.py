"""``manage.py rebuild_dashboard_rollups [--since YYYY-MM-DD] [--until YYYY-MM-DD]``."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from dashboards.services import rollups_rebuild


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Recompute the dashboards' daily rollups from the source tables (all days by default)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="First day to recompute (UTC). Default: the first order.")
        parser.add_argument("--until", type=_date, help="Last day to recompute (UTC). Default: today.")

    def handle(self, *args, since=None, until=None, **options):
        if since and until and since > until:
            raise CommandError("--since must be on or before --until.")
        days = rollups_rebuild(since=since, until=until)
        self.stdout.write(self.style.SUCCESS(f"Recomputed {days} day{'s' if days != 1 else ''} of rollups."))
