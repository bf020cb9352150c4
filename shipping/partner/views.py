"""The partner portal (``/partner/``): a 3PL's queue of virtual-warehouse shipments, each one's
page with its timeline, and the buttons that post its next stage.

Who may enter: the users of ``Partner.users`` (an active partner), for that partner only; a
superuser (platform support) for any partner. Everyone else, platform staff included, gets 403.
A shipment that is not the partner's is a 404, like one that does not exist.

Views are thin: the selectors scope and annotate (``shipping.partner.selectors``, ``.sla``); a
stage change is one call of ``shipment_transition(source="partner")``, guarded by the version
the page showed, so that a double click or a stale page records nothing twice.
"""

from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView, TemplateView, View

from shipping.models import Shipment, TrackingEvent
from shipping.partner.selectors import (
    NOT_FOR_PARTNERS,
    is_awaiting_acknowledgement,
    partner_shipment_detailed,
    partner_shipments,
    partner_targets,
    partner_warehouses,
    partners_for_user,
    stage_label,
)
from shipping.partner.sla import SlaState, partner_sla_scoreboard
from shipping.services.shipments import ShipmentTransitionNotAllowed, shipment_transition
from warehouses.models import Partner
from warehouses.modes import Stage

# Karrio-style exception reasons (BRIEF §7), offered when a partner records an exception.
EXCEPTION_REASONS = [
    ("", "No reason given"),
    (
        "Consignee",
        [("not_home", "Not at home"), ("refused", "Refused"), ("incorrect_address", "Incorrect address")],
    ),
    (
        "Customs",
        [
            ("documentation", "Documentation"),
            ("duties_unpaid", "Duties unpaid"),
            ("inspection", "Inspection"),
            ("prohibited", "Prohibited goods"),
        ],
    ),
]
PARTNER_STAGE_CHOICES = [(value, stage_label(value)) for value in Stage.values if value not in NOT_FOR_PARTNERS]
SLA_LABELS = dict(SlaState.choices)


def _no_partner(request, message: str):
    return render(request, "partner/no_partner.html", {"message": message}, status=403)


class PartnerMixin(LoginRequiredMixin):
    """A page of the partner in the URL (``<slug:partner>``), for a user who works for it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partner = partners_for_user(user=request.user).filter(slug=kwargs["partner"]).first()
        if self.partner is None:
            return _no_partner(request, "You do not work for this partner, so its portal is closed to you.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(partner=self.partner, other_partners=self.other_partners())
        return context

    def other_partners(self) -> list[Partner]:
        return [p for p in partners_for_user(user=self.request.user).only("name", "slug") if p.pk != self.partner.pk]


class PartnerHomeView(LoginRequiredMixin, TemplateView):
    """``/partner/``: straight to the queue of the user's partner, or a choice if there are several."""

    template_name = "partner/home.html"

    def get(self, request, *args, **kwargs):
        partners = list(partners_for_user(user=request.user).annotate(warehouse_count=Count("warehouses")))
        if not partners:
            return _no_partner(request, "Your login does not belong to any partner.")
        if len(partners) == 1 and not request.user.is_superuser:
            return redirect("partner:queue", partner=partners[0].slug)
        return self.render_to_response(self.get_context_data(partners=partners))


# --- the queue ----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Shipment.Status.choices], required=False, label="Status")
    stage = forms.ChoiceField(choices=[("", "Any stage"), *PARTNER_STAGE_CHOICES], required=False, label="Stage")
    warehouse = forms.ChoiceField(required=False, label="Warehouse")
    sla = forms.ChoiceField(
        choices=[("", "Any SLA state"), ("breached", "SLA breached"), ("kept", "SLA not breached")],
        required=False,
        label="SLA",
    )

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", "Any warehouse"), *((w.code, w.code) for w in warehouses)]

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {"status": Shipment.Status.ACTIVE}
        data = self.cleaned_data
        breached = {"breached": True, "kept": False}.get(data["sla"])
        return {"status": data["status"], "stage": data["stage"], "warehouse": data["warehouse"], "breached": breached}


class QueueView(PartnerMixin, ListView):
    """The partner's shipments (by default the ones in progress), newest first, with SLA state."""

    template_name = "partner/queue.html"
    context_object_name = "shipments"
    paginate_by = 50

    @cached_property
    def filter_form(self) -> QueueFilterForm:
        data = self.request.GET.copy()
        data.pop("page", None)
        if "status" not in data:
            data["status"] = Shipment.Status.ACTIVE  # open work first; "Any status" shows all
        return QueueFilterForm(data, warehouses=list(partner_warehouses(partner=self.partner)))

    def get_queryset(self):
        return partner_shipments(partner=self.partner, **self.filter_form.selector_filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        shipments = context["shipments"]
        context.update(
            filter_form=self.filter_form,
            querystring=query.urlencode(),
            scoreboard=partner_sla_scoreboard(self.partner),
            rows=[(s, stage_label(s.stage), _next_action(s)) for s in shipments],
            sla_labels=SLA_LABELS,
            section=_section(self.request.GET),
        )
        return context


def _section(query) -> str:
    """Which in-page tab the filters correspond to, for ``aria-current``."""
    if query.get("sla") == "breached":
        return "breached"
    if query.get("stage") == Stage.ACKNOWLEDGED:
        return "awaiting"
    if "status" in query and not query.get("status"):
        return "all"
    return "open" if not query.get("stage") and not query.get("warehouse") else ""


def _next_action(shipment: Shipment) -> tuple[str, str] | None:
    """The one-click step of a queue row: (target stage, button label), or ``None``."""
    targets = partner_targets(shipment)
    plan = shipment.planned_stages
    following = plan[shipment.stage_index + 1] if shipment.stage_index + 1 < len(plan) else None
    if not targets or targets[0] != following:
        return None
    if is_awaiting_acknowledgement(shipment):
        return following, "Acknowledge"
    return following, f"Mark {stage_label(following).lower()}"


# --- one shipment -------------------------------------------------------------------------------


class PartnerShipmentMixin(PartnerMixin):
    @cached_property
    def shipment(self) -> Shipment:
        shipments = partner_shipment_detailed(partner_shipments(partner=self.partner))
        return get_object_or_404(shipments, tracking_number=self.kwargs["tracking_number"])


class MoveForm(forms.Form):
    """Post one stage. ``version`` is the shipment's version the page showed: if the shipment has
    changed since, nothing is recorded (the user sees what changed first)."""

    stage = forms.ChoiceField()
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = forms.ChoiceField(choices=EXCEPTION_REASONS, required=False, label="Reason")
    location = forms.CharField(max_length=120, required=False, label="Location", help_text="Where it happened.")

    def __init__(self, *args, shipment: Shipment, stages: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment = shipment
        stages = partner_targets(shipment) if stages is None else stages
        self.fields["stage"].choices = [(s, stage_label(s)) for s in stages]
        self.fields["version"].initial = shipment.version


class ShipmentDetailView(PartnerShipmentMixin, TemplateView):
    template_name = "partner/shipment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment = self.shipment
        targets = partner_targets(shipment)
        next_action = _next_action(shipment)
        exceptions = [t for t in targets if next_action is None or t != next_action[0]]
        context.update(
            shipment=shipment,
            next_action=next_action,
            exception_form=MoveForm(shipment=shipment, stages=exceptions) if exceptions else None,
            stage=stage_label(shipment.stage),
            timeline=[
                (e, stage_label(e.from_stage) if e.from_stage else "", stage_label(e.stage))
                for e in shipment.events.all()
            ],
            lines=shipment.lines.all(),
            packages=list(shipment.packages.all()),
            route=[(index, stage_label(stage)) for index, stage in enumerate(shipment.planned_stages)],
            sla_labels=SLA_LABELS,
            awaiting_acknowledgement=is_awaiting_acknowledgement(shipment),
        )
        return context


class ShipmentMoveView(PartnerShipmentMixin, View):
    """A stage button (queue or shipment page): one transition, then back where the user was."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shipment = self.shipment
        form = MoveForm(request.POST, shipment=shipment)
        if not form.is_valid():
            if "stage" in form.errors:
                messages.error(
                    request,
                    f"{shipment.tracking_number} is at {stage_label(shipment.stage).lower()}: "
                    "that step is not possible now. Nothing was recorded.",
                )
            else:
                messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return self._back()
        data = form.cleaned_data
        acknowledging = is_awaiting_acknowledgement(shipment)
        previous = stage_label(shipment.stage).lower()
        try:
            moved = shipment_transition(
                shipment=shipment,
                to=data["stage"],
                source=TrackingEvent.Source.PARTNER,
                reason=data["reason"],
                location=data["location"],
                actor=request.user,
                expected_version=data["version"],
            )
        except ShipmentTransitionNotAllowed as error:
            messages.error(request, " ".join(error.messages))
            return self._back()
        current = stage_label(shipment.stage).lower()
        if moved:
            done = "Acknowledged" if acknowledging else "Recorded"
            messages.success(request, f"{done}: {shipment.tracking_number} moved from {previous} to {current}.")
        else:
            messages.warning(
                request,
                f"{shipment.tracking_number} changed before your click arrived (it is at {current}); "
                "nothing was recorded.",
            )
        return self._back()

    def _back(self):
        wanted = self.request.POST.get("next", "")
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return redirect(wanted)
        return redirect(
            reverse(
                "partner:shipment-detail",
                kwargs={"partner": self.partner.slug, "tracking_number": self.shipment.tracking_number},
            )
        )
