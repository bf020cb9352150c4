"""The operator exception desk: the customs queue, the exception queue and one shipment's page.

Platform staff only (``OperatorRequiredMixin``), and deliberately not merchant-scoped. Every
button is one operator move through ``shipment_operator_move`` (and so ``shipment_transition``):
the form carries the version the operator saw, so a repeated click changes nothing and says so.
A page offers exactly the moves ``allowed_targets`` permits for the shipment's stage.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.generic import ListView, TemplateView, View

from merchants.tenancy import OperatorRequiredMixin
from shipping.models import Shipment, ShipmentLine, TrackingEvent
from shipping.services.returns import (
    MAX_NOTE,
    REASON_LABELS,
    RETURN_RECEIVED_EVENT,
    Disposition,
    ReturnAlreadyReceived,
    move_reasons,
    shipment_operator_move,
    shipment_return_receive,
)
from shipping.services.shipments import allowed_targets
from warehouses.modes import Stage

PAGE_SIZE = 25

# --- reads (console-only; they would move to ``shipping/selectors.py``) ---------------------

EXCEPTION_KINDS = [
    ("customs_overdue", "Customs hold past its due time"),
    ("delivery_attempted", "Delivery attempted"),
    ("returning", "Returning"),
    ("return_to_receive", "Returned, not yet received"),
    ("lost", "Lost"),
    ("damaged", "Damaged"),
]


# Every stage an exception kind below is at (the counts read through the stage index).
EXCEPTION_STAGES = [
    Stage.CUSTOMS_HOLD,
    Stage.DELIVERY_ATTEMPTED,
    Stage.RETURNING,
    Stage.RETURNED,
    Stage.LOST,
    Stage.DAMAGED,
]


def _exception_conditions(now) -> dict[str, Q]:
    return {
        "customs_overdue": Q(stage=Stage.CUSTOMS_HOLD, stage_due_at__lte=now),
        "delivery_attempted": Q(stage=Stage.DELIVERY_ATTEMPTED),
        "returning": Q(stage=Stage.RETURNING),
        # Direct shipments' returns go back to the merchant: nothing for the desk to receive.
        "return_to_receive": Q(stage=Stage.RETURNED, source_warehouse__isnull=False, return_received=False),
        "lost": Q(stage=Stage.LOST),
        "damaged": Q(stage=Stage.DAMAGED),
    }


def customs_queue() -> QuerySet[Shipment]:
    """Shipments held at customs, the longest-held first."""
    return (
        Shipment.objects.filter(stage=Stage.CUSTOMS_HOLD)
        .select_related("merchant", "mode")
        .order_by("stage_started_at", "pk")
    )


def _with_return_received(queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
    receipts = TrackingEvent.objects.filter(shipment=OuterRef("pk"), external_id=RETURN_RECEIVED_EVENT)
    return queryset.annotate(return_received=Exists(receipts))


def exception_queue(*, now, kind: str = "") -> QuerySet[Shipment]:
    """Shipments needing the desk, ``exception_kind`` annotated, grouped by kind, oldest first."""
    conditions = _exception_conditions(now)
    wanted = [conditions[kind]] if kind in conditions else list(conditions.values())
    match = Q()
    for condition in wanted:
        match |= condition
    rank = Case(
        *(When(conditions[code], then=Value(index)) for index, (code, _) in enumerate(EXCEPTION_KINDS)),
        output_field=IntegerField(),
    )
    lines = ShipmentLine.objects.select_related("product")
    return (
        _with_return_received(Shipment.objects.filter(stage__in=EXCEPTION_STAGES))
        .filter(match)
        .annotate(exception_rank=rank)
        .select_related("merchant", "mode", "source_warehouse")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("exception_rank", "stage_started_at", "pk")
    )


def exception_counts(*, now) -> dict[str, int]:
    """How many shipments of each exception kind (one query, over the exception stages only)."""
    conditions = _exception_conditions(now)
    at_exception_stages = Shipment.objects.filter(stage__in=EXCEPTION_STAGES)
    return _with_return_received(at_exception_stages).aggregate(
        **{code: Count("pk", filter=condition) for code, condition in conditions.items()}
    )


# --- actions ---------------------------------------------------------------------------------

ACTION_ORDER = [
    Stage.LAST_MILE,
    Stage.DELIVERY_ATTEMPTED,
    Stage.CUSTOMS_HOLD,
    Stage.RETURNING,
    Stage.RETURNED,
    Stage.LOST,
    Stage.DAMAGED,
    Stage.CANCELLED,
]
ACTION_LABELS = {
    Stage.RETURNING: "Start return",
    Stage.RETURNED: "Mark returned",
    Stage.LOST: "Mark lost",
    Stage.DAMAGED: "Mark damaged",
    Stage.CANCELLED: "Cancel shipment",
    Stage.CUSTOMS_HOLD: "Hold at customs",
    Stage.DELIVERY_ATTEMPTED: "Record a failed delivery",
    Stage.DELIVERED: "Mark delivered",
}


@dataclass(frozen=True)
class Action:
    """One move an operator may make now: a button (with a reason and a note where they apply)."""

    to: str
    label: str
    reasons: list[tuple[str, str]]
    takes_note: bool


def _following(shipment: Shipment) -> str | None:
    plan, index = shipment.planned_stages, shipment.stage_index
    return plan[index + 1] if index + 1 < len(plan) else None


def action_label(shipment: Shipment, to: str) -> str:
    if shipment.stage == Stage.CUSTOMS_HOLD:
        return "Reject" if to == Stage.RETURNING else "Release"
    if shipment.stage == Stage.DELIVERY_ATTEMPTED and to == Stage.LAST_MILE:
        return "Retry delivery"
    if to == _following(shipment) and to not in ACTION_LABELS:
        return f"Move on to {Stage(to).label.lower()}"
    return ACTION_LABELS.get(to, f"Move to {Stage(to).label.lower()}")


def operator_actions(shipment: Shipment) -> list[Action]:
    """Exactly the moves ``allowed_targets`` permits, the plan's next stage first."""
    following = _following(shipment)
    targets = [t for t in allowed_targets(shipment) if t]

    def order(to: str) -> tuple[int, int]:
        if to == following:
            return (0, 0)
        return (1, ACTION_ORDER.index(to) if to in ACTION_ORDER else len(ACTION_ORDER))

    return [
        Action(
            to=to,
            label=action_label(shipment, to),
            reasons=move_reasons(shipment, to),
            takes_note=shipment.stage == Stage.CUSTOMS_HOLD,
        )
        for to in sorted(targets, key=order)
    ]


def can_receive_return(shipment: Shipment, *, received: bool) -> bool:
    return (
        shipment.stage in (Stage.RETURNING, Stage.RETURNED)
        and shipment.source_warehouse_id is not None
        and shipment.inventory_consumed
        and not received
    )


# --- forms -----------------------------------------------------------------------------------

FIELD_NAMES = {"to": "Move", "version": "Version", "reason": "Reason", "location": "Where", "note": "Note"}


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{FIELD_NAMES[field]}: {message}" if field in FIELD_NAMES else message
            for field, errors in error.error_dict.items()
            for message in ValidationError(errors).messages
        )
    return " ".join(error.messages)


class ShipmentMoveForm(forms.Form):
    """The shape of one button press; the service decides whether the move is allowed."""

    to = forms.ChoiceField(choices=Stage.choices)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=40, required=False)
    location = forms.CharField(max_length=120, required=False)
    note = forms.CharField(max_length=MAX_NOTE, required=False)


class ReturnReceiveForm(forms.Form):
    """Per SKU of the shipment: how many units came back in each disposition (blank is 0)."""

    def __init__(self, *args, shipment: Shipment, lines: list[ShipmentLine], **kwargs):
        kwargs.setdefault("prefix", f"return{shipment.pk}")
        super().__init__(*args, **kwargs)
        carried: dict[int, int] = defaultdict(int)
        products = {}
        for line in lines:
            carried[line.product_id] += line.quantity
            products[line.product_id] = line.product
        self._rows = []
        self._field_for_sku = {}
        for product_id, quantity in carried.items():
            product = products[product_id]
            names = []
            for value, label in Disposition.choices:
                name = f"p{product_id}_{value}"
                self.fields[name] = forms.IntegerField(
                    label=f"{label} units of {product.sku}", min_value=0, required=False
                )
                names.append(name)
            self._rows.append((product, quantity, names))
            self._field_for_sku[product.sku.upper()] = names[0]

    def rows(self):
        """``(product, units carried, bound fields, errors of the row)`` per SKU, for the template."""
        return [
            (product, quantity, [self[n] for n in names], [e for n in names for e in self.errors.get(n, [])])
            for product, quantity, names in self._rows
        ]

    def dispositions(self) -> dict[str, dict[str, int]]:
        return {
            product.sku: {n.split("_", 1)[1]: self.cleaned_data[n] or 0 for n in names}
            for product, _, names in self._rows
        }

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            sku = key.split(".", 1)[1].upper() if key.startswith("dispositions.") else ""
            self.add_error(self._field_for_sku.get(sku), errors)


# --- pages -----------------------------------------------------------------------------------


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def reason_label(shipment: Shipment) -> str:
    return REASON_LABELS.get(shipment.exception_reason, shipment.exception_reason.replace("_", " "))


class CustomsQueueView(OperatorRequiredMixin, ListView):
    """Shipments held at customs, oldest first: release to the plan's next stage or reject."""

    template_name = "console/customs_queue.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return customs_queue()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            rows=[(s, reason_label(s), operator_actions(s)) for s in context["object_list"]],
            now=timezone.now(),
        )
        return context


class ExceptionQueueView(OperatorRequiredMixin, ListView):
    """Shipments that need the desk, by kind of exception; ``?tracking=`` opens one shipment."""

    template_name = "console/exception_queue.html"
    paginate_by = PAGE_SIZE

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def kind(self) -> str:
        kind = self.request.GET.get("reason", "")
        return kind if kind in dict(EXCEPTION_KINDS) else ""

    def get(self, request, *args, **kwargs):
        tracking = request.GET.get("tracking", "").strip()
        if tracking:
            shipment = Shipment.objects.filter(tracking_number__iexact=tracking).only("pk").first()
            if shipment is not None:
                return redirect("console:shipment-exception", pk=shipment.pk)
            messages.error(request, f"No shipment has the tracking number {tracking}.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return exception_queue(now=self.now, kind=self.kind)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = exception_counts(now=self.now)
        labels = dict(EXCEPTION_KINDS)
        rows = []
        for shipment in context["object_list"]:
            receivable = can_receive_return(shipment, received=shipment.return_received)
            form = ReturnReceiveForm(shipment=shipment, lines=list(shipment.lines.all())) if receivable else None
            kind = labels[EXCEPTION_KINDS[shipment.exception_rank][0]]
            rows.append((shipment, kind, reason_label(shipment), operator_actions(shipment), form))
        context.update(
            rows=rows,
            kinds=[(code, label, counts[code]) for code, label in EXCEPTION_KINDS],
            total=sum(counts.values()),
            kind=self.kind,
            querystring=urlencode({"reason": self.kind}) if self.kind else "",
            dispositions=Disposition.choices,
        )
        return context


class ShipmentExceptionView(OperatorRequiredMixin, TemplateView):
    """One shipment: its plan, its timeline, and the moves its stage allows."""

    template_name = "console/shipment_exception.html"

    @cached_property
    def shipment(self) -> Shipment:
        return get_object_or_404(
            Shipment.objects.select_related("merchant", "mode", "source_warehouse", "destination_warehouse"),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def lines(self) -> list[ShipmentLine]:
        return list(self.shipment.lines.select_related("product"))

    def get_context_data(self, *, return_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment = self.shipment
        events = list(shipment.events.select_related("actor"))
        received = next((e for e in events if e.external_id == RETURN_RECEIVED_EVENT), None)
        receivable = can_receive_return(shipment, received=received is not None)
        if return_form is None and receivable:
            return_form = ReturnReceiveForm(shipment=shipment, lines=self.lines)
        plan = [
            (index, Stage(stage).label, index < shipment.stage_index, index == shipment.stage_index)
            for index, stage in enumerate(shipment.planned_stages)
        ]
        context.update(
            shipment=shipment,
            plan=plan,
            on_plan=shipment.stage in shipment.planned_stages,
            events=[(e, Stage(e.from_stage).label if e.from_stage and e.from_stage != e.stage else "") for e in events],
            lines=self.lines,
            actions=operator_actions(shipment),
            return_received=received,
            return_form=return_form if receivable else None,
            direct_return=shipment.source_warehouse_id is None and shipment.stage in (Stage.RETURNING, Stage.RETURNED),
            reason=reason_label(shipment),
            dispositions=Disposition.choices,
        )
        return context


class ShipmentMoveView(OperatorRequiredMixin, View):
    """One button: one operator move, then back where the operator was."""

    http_method_names = ["post"]

    def post(self, request, pk):
        shipment = get_object_or_404(Shipment, pk=pk)
        back = _back(request, reverse("console:shipment-exception", args=[shipment.pk]))
        form = ShipmentMoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Shipment {shipment.tracking_number}: {_error_text(ValidationError(form.errors))}")
            return redirect(back)
        data = form.cleaned_data
        label = action_label(shipment, data["to"])
        try:
            moved = shipment_operator_move(
                shipment=shipment,
                to=data["to"],
                expected_version=data["version"],
                actor=request.user,
                reason=data["reason"],
                location=data["location"],
                note=data["note"],
            )
        except ValidationError as error:
            messages.error(request, f"Shipment {shipment.tracking_number}: {_error_text(error)}")
        else:
            if moved:
                messages.success(
                    request,
                    f"{label}: shipment {shipment.tracking_number} is now {shipment.get_stage_display().lower()}.",
                )
            else:
                shipment.refresh_from_db(fields=["stage"])
                messages.warning(
                    request,
                    f"Shipment {shipment.tracking_number} had already changed (it is "
                    f"{shipment.get_stage_display().lower()} now); nothing was done.",
                )
        return redirect(back)


class ReturnReceiveView(ShipmentExceptionView):
    """Receive a returned shipment's units by disposition; errors land next to their SKU."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shipment = self.shipment
        page = reverse("console:shipment-exception", args=[shipment.pk])
        form = ReturnReceiveForm(request.POST, shipment=shipment, lines=self.lines)
        if form.is_valid():
            try:
                shipment_return_receive(shipment=shipment, dispositions=form.dispositions(), actor=request.user)
            except ReturnAlreadyReceived as error:
                messages.warning(request, " ".join(error.messages))
                return redirect(page)
            except ValidationError as error:
                if "shipment" in getattr(error, "error_dict", {}):
                    # About the shipment, not the counts (direct, not on its way back): no form to fix.
                    messages.error(request, " ".join(error.messages))
                    return redirect(page)
                form.add_service_error(error)
            else:
                units = sum(sum(split.values()) for split in form.dispositions().values())
                messages.success(
                    request,
                    f"Return of shipment {shipment.tracking_number} received at {shipment.source_warehouse.code}: "
                    f"{units} unit{'s' if units != 1 else ''}.",
                )
                return redirect(_back(request, page))
        # Re-rendered on the shipment's page (whichever queue the form came from), errors in place.
        return self.render_to_response(self.get_context_data(return_form=form))
