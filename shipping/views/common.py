"""What every inbound portal view shares: scoping to the merchant and the wizard's step indicator."""

from functools import cached_property

from django.shortcuts import get_object_or_404
from django.urls import reverse

from merchants.tenancy import MerchantScopedMixin
from shipping.forms import MAX_ROWS
from shipping.models import InboundPlan, InboundShipment
from shipping.services.inbound_plans import PlanLocked, ensure_plan_editable

Step = InboundPlan.Step
STEP_ORDER: list[str] = list(Step.values)
STEP_LABELS = {
    Step.ITEMS: "Plan",
    Step.PACKING: "Packing",
    Step.PLACEMENT: "Placement",
    Step.TRANSPORT: "Transport",
    Step.LABELS: "Labels",
    Step.SHIPPED: "Shipped",
}
STEP_PAGES = {
    Step.ITEMS: "shipping:plan-items",
    Step.PACKING: "shipping:plan-packing",
    Step.PLACEMENT: "shipping:plan-placement",
    Step.TRANSPORT: "shipping:plan-transport",
    Step.LABELS: "shipping:plan-labels",
    Step.SHIPPED: "shipping:plan-detail",
}
LIVE_AFTER_TRANSPORT = frozenset(InboundShipment.Status.values) - {InboundShipment.Status.WORKING}
GONE = frozenset({InboundShipment.Status.DELETED, InboundShipment.Status.CANCELLED})


def step_url(plan: InboundPlan, step: str | None = None) -> str:
    """The page of ``step`` (default: the step the plan waits at), where the wizard resumes."""
    return reverse(STEP_PAGES[step or plan.step], args=[plan.pk])


def wizard_steps(plan: InboundPlan | None, current: str | None) -> list[dict]:
    """The step indicator: each step with its label, whether it is done or current, and a link once reached."""
    reached = STEP_ORDER.index(plan.step) if plan is not None else 0
    return [
        {
            "label": STEP_LABELS[step],
            "current": step == current,
            "done": plan is not None and (index < reached or plan.step == Step.SHIPPED),
            "url": step_url(plan, step) if plan is not None and index <= reached else None,
        }
        for index, step in enumerate(STEP_ORDER)
    ]


def locked_reason(plan: InboundPlan) -> str:
    """Why the plan's items and boxes can no longer change; empty while they can."""
    try:
        ensure_plan_editable(plan)
    except PlanLocked as error:
        return " ".join(error.messages)
    return ""


def requested_rows(request, default: int) -> int:
    """How many empty rows a form shows: ``?rows=N`` asks for more (no script needed)."""
    raw = request.GET.get("rows", "")
    return min(int(raw), MAX_ROWS) if raw.isdigit() and int(raw) > 0 else default


def querystring_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class PlanMixin(MerchantScopedMixin):
    """A view of one of the merchant's plans (``pk``); another merchant's plan is a 404."""

    step: str | None = None

    def get_merchant_queryset(self):
        return InboundPlan.objects.filter(merchant=self.request.merchant).select_related("mode")

    @cached_property
    def plan(self) -> InboundPlan:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            plan=self.plan,
            steps=wizard_steps(self.plan, self.step or self.plan.step),
            can_write=self.request.membership.can_write,
        )
        return context


class ShipmentMixin(MerchantScopedMixin):
    """A view of one of the merchant's inbound shipments (``pk``); another merchant's is a 404."""

    def get_merchant_queryset(self):
        return InboundShipment.objects.filter(merchant=self.request.merchant).select_related(
            "plan__mode", "plan__merchant", "warehouse"
        )

    @cached_property
    def shipment(self) -> InboundShipment:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            shipment=self.shipment,
            plan=self.shipment.plan,
            steps=wizard_steps(self.shipment.plan, self.shipment.plan.step),
            can_write=self.request.membership.can_write,
        )
        return context
