"""Create an API key for a partner or a merchant and print it, once.

manage.py create_api_key shenzhen-gadgets --scopes orders:read,orders:write
manage.py create_api_key --merchant shenzhen-gadgets --scopes all
manage.py create_api_key --partner reno-3pl
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from merchants.models import Merchant
from warehouses.api_keys import MERCHANT_SCOPES, PARTNER_SCOPES, allowed_scopes, api_key_create
from warehouses.models import Partner


class Command(BaseCommand):
    help = (
        "Create an API key for a merchant (<slug> or --merchant <slug>) or a partner (--partner <slug>) and "
        "print it. The key is shown only this once: only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("merchant_slug", nargs="?", metavar="MERCHANT", help="The merchant that owns the key.")
        owner = parser.add_mutually_exclusive_group()
        owner.add_argument("--partner", metavar="SLUG", help="The partner that owns the key.")
        owner.add_argument("--merchant", metavar="SLUG", help="The merchant that owns the key.")
        parser.add_argument(
            "--scopes",
            help=f"Comma-separated, e.g. orders:read,orders:write; 'all' for every scope of the owner's kind "
            f"(merchant: {', '.join(MERCHANT_SCOPES)}). A partner key defaults to {','.join(PARTNER_SCOPES)}; "
            "a merchant key needs them named.",
        )
        parser.add_argument("--name", help="What the key is for (default: 'Created on <date>').")

    def handle(self, *args, **options):
        partner = merchant = None
        if options["merchant_slug"]:
            if options["partner"] or (options["merchant"] and options["merchant"] != options["merchant_slug"]):
                raise CommandError("Name one owner: a merchant slug, --merchant or --partner.")
            options["merchant"] = options["merchant_slug"]
        if not (options["partner"] or options["merchant"]):
            raise CommandError("Name the owner: a merchant slug (or --merchant SLUG), or --partner SLUG.")
        if options["partner"]:
            partner = Partner.objects.filter(slug=options["partner"]).first()
            if partner is None:
                raise CommandError(f"No partner has the slug {options['partner']!r}.")
        else:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                raise CommandError(f"No merchant has the slug {options['merchant']!r}.")
        if options["scopes"] is not None and options["scopes"].strip() == "all":
            scopes = list(allowed_scopes(merchant=merchant, partner=partner))
        elif options["scopes"] is not None:
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
