"""Create an API key for a partner or a merchant and print it, once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from merchants.models import Merchant
from warehouses.api_keys import PARTNER_SCOPES, allowed_scopes, api_key_create
from warehouses.models import Partner


class Command(BaseCommand):
    help = (
        "Create an API key for a partner (--partner <slug>) or a merchant (--merchant <slug>) and print it. "
        "The key is shown only this once: only its hash is stored."
    )

    def add_arguments(self, parser):
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--partner", metavar="SLUG", help="The partner that owns the key.")
        owner.add_argument("--merchant", metavar="SLUG", help="The merchant that owns the key.")
        parser.add_argument(
            "--scopes",
            help=f"Comma-separated, e.g. partner:read,partner:write (a partner key defaults to "
            f"{','.join(PARTNER_SCOPES)}; a merchant key needs them named).",
        )
        parser.add_argument("--name", help="What the key is for (default: 'Created on <date>').")

    def handle(self, *args, **options):
        partner = merchant = None
        if options["partner"]:
            partner = Partner.objects.filter(slug=options["partner"]).first()
            if partner is None:
                raise CommandError(f"No partner has the slug {options['partner']!r}.")
        else:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                raise CommandError(f"No merchant has the slug {options['merchant']!r}.")
        if options["scopes"] is not None:
            scopes = options["scopes"].split(",")
        elif partner is not None:
            scopes = list(PARTNER_SCOPES)
        else:
            choices = ", ".join(allowed_scopes(merchant=merchant))
            raise CommandError(f"Name the scopes of a merchant key with --scopes (any of: {choices}).")
        name = options["name"] or f"Created on {timezone.localdate():%Y-%m-%d}"
        try:
            api_key, raw_key = api_key_create(name=name, scopes=scopes, merchant=merchant, partner=partner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"API key {api_key.prefix} for {api_key.owner} ({', '.join(api_key.scopes)}). "
            "Store it now: it is not shown again."
        )
        self.stdout.write(raw_key)
