"""Plans: the list, step 1 (the plan and its items), the plan page and voiding."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from merchants.tenancy import MerchantScopedMixin
from shipping.forms import PlanFilterForm, PlanForm, add_routed_errors, item_formset, items_error_route
from shipping.models import InboundBoxContent, InboundPlan
from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_items, inbound_plan_void
from shipping.views.common import (
    STEP_LABELS,
    PlanMixin,
    Step,
    locked_reason,
    querystring_without_page,
    requested_rows,
    step_url,
    wizard_steps,
)


def submitted_items(formset) -> tuple[list[dict], list[int]]:
    """The non-blank rows as service items, and the row each came from (to put errors back)."""
    rows = formset.filled()
    items = [
        {
            "sku": data["sku"],
            "quantity": data["quantity"],
            "label_owner": data["label_owner"],
            "prep_owner": data["prep_owner"],
        }
        for _, data in rows
    ]
    return items, [index for index, _ in rows]


def items_summary(items) -> str:
    units = sum(item["quantity"] for item in items)
    return f"{len(items)} SKU{'s' if len(items) != 1 else ''}, {units:,} unit{'s' if units != 1 else ''}"


class PlanListView(MerchantScopedMixin, ListView):
    template_name = "shipping/plan_list.html"
    context_object_name = "plans"
    paginate_by = 25

    def get_merchant_queryset(self):
        self.filter_form = PlanFilterForm(self.request.GET or None)
        filters = self.filter_form.selector_filters()
        plans = InboundPlan.objects.filter(merchant=self.request.merchant, **filters).select_related("mode")
        return plans.annotate(shipment_count=Count("shipments")).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for plan in context["plans"]:
            plan.continue_url = step_url(plan) if plan.status == InboundPlan.Status.ACTIVE else None
        context.update(
            filter_form=self.filter_form,
            querystring=querystring_without_page(self.request),
            has_plans=InboundPlan.objects.filter(merchant=self.request.merchant).exists(),
            steps=wizard_steps(None, None),
            can_write=self.request.membership.can_write,
        )
        return context


class PlanCreateView(MerchantScopedMixin, TemplateView):
    """Step 1: what to send, for which mode, from where."""

    template_name = "shipping/plan_form.html"
    write_view = True

    def get(self, request, *args, **kwargs):
        form = PlanForm(initial=PlanForm.initial_for(request.merchant))
        return self.render_to_response(
            self.get_context_data(form=form, formset=item_formset(extra=requested_rows(request, 5)))
        )

    def get_merchant_queryset(self):
        return InboundPlan.objects.filter(merchant=self.request.merchant)

    def post(self, request, *args, **kwargs):
        form, formset = PlanForm(request.POST), item_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            items, rows = submitted_items(formset)
            try:
                plan = inbound_plan_create(
                    merchant=request.merchant,
                    mode=form.cleaned_data["mode"],
                    items=items,
                    name=form.cleaned_data["name"],
                    destination_country=form.cleaned_data["destination_country"],
                    source=form.source(),
                    user=request.user,
                )
            except ValidationError as error:
                add_routed_errors(error, items_error_route(formset, rows, form), form)
            else:
                messages.success(
                    request, f"Plan “{plan.name}” created: {items_summary(items)}. Now pack them into boxes."
                )
                return redirect(step_url(plan, Step.PACKING))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(steps=wizard_steps(None, Step.ITEMS), can_write=True)
        return context


class PlanItemsView(PlanMixin, TemplateView):
    """Change a plan's items (before placement is confirmed); its packing starts over."""

    template_name = "shipping/plan_items.html"
    step = Step.ITEMS
    write_view = True

    def initial(self) -> list[dict]:
        return [
            {"sku": i.product.sku, "quantity": i.quantity, "label_owner": i.label_owner, "prep_owner": i.prep_owner}
            for i in self.plan.items.select_related("product")
        ]

    def get(self, request, *args, **kwargs):
        formset = item_formset(initial=self.initial(), extra=requested_rows(request, 3))
        return self.render_to_response(self.get_context_data(formset=formset))

    def post(self, request, *args, **kwargs):
        locked = locked_reason(self.plan)
        if locked:
            return self.render_to_response(self.get_context_data(formset=None, errors=[locked]))
        formset = item_formset(data=request.POST, initial=self.initial())
        if formset.is_valid():
            items, rows = submitted_items(formset)
            had_boxes = self.plan.boxes.exists()
            try:
                inbound_plan_set_items(plan=self.plan, items=items)
            except ValidationError as error:
                add_routed_errors(error, items_error_route(formset, rows, formset), formset)
            else:
                note = " Its boxes were cleared: pack them again." if had_boxes else " Now pack them into boxes."
                messages.success(request, f"Items of “{self.plan.name}” saved: {items_summary(items)}.{note}")
                return redirect(step_url(self.plan, Step.PACKING))
        return self.render_to_response(self.get_context_data(formset=formset))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = locked_reason(self.plan)
        if context["locked"]:
            context["items"] = self.plan.items.select_related("product")
        return context


class PlanDetailView(PlanMixin, TemplateView):
    template_name = "shipping/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan
        contents = Prefetch("contents", queryset=InboundBoxContent.objects.select_related("product"))
        shipments = list(plan.shipments.select_related("warehouse").order_by("pk"))
        context.update(
            items=plan.items.select_related("product"),
            boxes=plan.boxes.select_related("shipment").prefetch_related(contents),
            shipments=shipments,
            editable=not locked_reason(plan),
            continue_url=step_url(plan) if plan.status == InboundPlan.Status.ACTIVE else None,
            continue_label=STEP_LABELS[plan.step].lower(),
        )
        return context


class PlanVoidView(PlanMixin, TemplateView):
    """Void a plan before its placement is confirmed (a confirmation page, then a POST)."""

    template_name = "shipping/plan_void.html"
    write_view = True

    def post(self, request, *args, **kwargs):
        try:
            inbound_plan_void(plan=self.plan, user=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(request, f"Plan “{self.plan.name}” voided. Nothing of it will be sent.")
        return redirect("shipping:plan-detail", pk=self.plan.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = locked_reason(self.plan)
        return context
