"""The dashboards: one per mode, an index of the five, and the operators' overview.

A merchant sees its own data only (``request.merchant``); platform staff see every merchant's
and may narrow to one. On an htmx request (``request.htmx``) a dashboard answers with its live
partial only: the in-flight counts and the stage funnel.
"""

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from dashboards import charts, operations, selectors
from dashboards.forms import DashboardFilterForm
from dashboards.tables import Column, SortedTable
from merchants.models import Merchant
from merchants.tenancy import MerchantScopedMixin, OperatorRequiredMixin
from warehouses.models import FulfillmentMode, Warehouse
from warehouses.modes import Mode, Stage

LIVE_SECONDS = 15  # how often the live partials refresh
TOP_DESTINATIONS = 8


def _days(hours: float | None) -> str:
    return "—" if hours is None else f"{hours / 24:.1f} d"


class DashboardScopeMixin(MerchantScopedMixin):
    """Merchants: their own data (``request.merchant``). Staff: every merchant's, unscoped on
    purpose, with a merchant filter."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            # Skip the membership requirement, not the login one.
            return super(MerchantScopedMixin, self).dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    @property
    def is_operator(self) -> bool:
        return self.request.user.is_staff

    def get_merchant_queryset(self):
        return Merchant.objects.filter(pk=self.request.merchant.pk)

    def filter_form(self, warehouse_roles: list[str] | None) -> DashboardFilterForm:
        return DashboardFilterForm(self.request.GET or None, warehouse_roles=warehouse_roles, operator=self.is_operator)

    def dashboard_query(self, form: DashboardFilterForm) -> selectors.DashboardQuery:
        # Operators: the form's merchant field decides; merchants: always their own.
        merchant_id = None if self.is_operator else self.request.merchant.pk
        return form.dashboard_query(merchant_id=merchant_id)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request",))  # the same URL answers a page or a partial
        return response


def funnel(mode: FulfillmentMode, live: selectors.InFlight) -> charts.BarChart:
    """The active shipments at each planned stage, in plan order, then the open exceptions."""
    stages = [s for s in mode.outbound_stages if s != Stage.DELIVERED]
    rows = [(Stage(s).label, live.by_stage.get(s, 0), "stage") for s in stages]
    rows += [
        (Stage(s).label, live.by_stage.get(s, 0), "exception")
        for s in selectors.OPEN_EXCEPTION_STAGES
        if live.by_stage.get(s)
    ]
    return charts.bar_chart(
        "Shipments in flight by stage",
        rows,
        centered=True,
        legend=[("stage", "on plan"), ("exception", "held up")],
    )


def live_context(mode: FulfillmentMode, query: selectors.DashboardQuery) -> dict:
    live = selectors.in_flight(query=query, mode=mode.code)
    return {
        "live": live,
        "funnel": funnel(mode, live),
        "exception_chart": charts.bar_chart(
            "Open exceptions by reason",
            [
                (f"{Stage(stage).label}: {reason.replace('_', ' ')}", n, "exception")
                for stage, reason, n in live.exceptions
            ],
        )
        if live.exceptions
        else None,
        "live_at": timezone.now(),
        "live_seconds": LIVE_SECONDS,
    }


class ModeDashboardView(DashboardScopeMixin, TemplateView):
    template_name = "dashboards/mode.html"
    live_template_name = "dashboards/_live.html"

    @cached_property
    def mode(self) -> FulfillmentMode:
        return get_object_or_404(FulfillmentMode, code=self.kwargs["code"])

    def get_template_names(self):
        return [self.live_template_name if self.request.htmx else self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mode = self.mode
        roles = sorted(set(mode.stock_roles) | set(mode.inbound_roles))
        form = self.filter_form(roles)
        query = self.dashboard_query(form)
        context.update(mode=mode, form=form, query=query, **live_context(mode, query))
        if self.request.htmx:
            return context
        totals, costs = selectors.period_summary(query=query, mode=mode.code)
        times = selectors.delivery_times(query=query, mode=mode.code)
        series = selectors.orders_by_day(query=query, mode=mode.code)
        dwell = selectors.stage_dwell(query=query, mode=mode.code, stages=mode.outbound_stages)
        destinations = sorted(
            selectors.breakdown(query=query, mode=mode.code, dimension="country"),
            key=lambda r: (-(r["orders"] or 0), r["key"]),
        )[:TOP_DESTINATIONS]
        context.update(
            totals=totals,
            costs=costs,
            times=times,
            as_of=selectors.rollups_as_of(),
            orders_chart=charts.column_chart(
                "Orders placed per day", [(day.strftime("%d %b"), n) for day, n in series]
            ),
            delivery_chart=self.delivery_chart(times),
            dwell=dwell,
            dwell_chart=charts.bar_chart(
                "Mean hours per stage (tick: plan)",
                [
                    (d.label, d.mean_hours, "over" if d.over_plan_share else "stage", d.planned_mean_hours)
                    for d in dwell
                ],
                text=lambda v: f"{v:,.1f} h",
                legend=[("stage", "actual, mean"), ("plan", "plan, mean")],
            )
            if dwell
            else None,
            destinations_chart=charts.bar_chart(
                "Orders by destination", [(r["key"], r["orders"] or 0, "stage") for r in destinations]
            )
            if destinations
            else None,
            destinations=destinations,
            section=f"dashboards/_mode_{mode.code}.html",
        )
        context.update(getattr(self, f"context_{mode.code}")(query, roles))
        return context

    @staticmethod
    def delivery_chart(times: selectors.DeliveryTimes) -> charts.ColumnChart | None:
        if not times.shipments:
            return None
        last = max(day for day, _ in times.histogram)
        counts = dict(times.histogram)
        points = [(f"{day} d", counts.get(day, 0)) for day in range(last + 1)]
        markers = []
        for value, name in ((times.median_days, "median"), (times.p90_days, "p90")):
            if value is not None:
                markers.append((min(int(value - 1e-9), last), f"{name} {value:.2f} d"))
        return charts.column_chart("Order-to-delivery time (days)", points, markers=markers)

    # --- per mode ----------------------------------------------------------------------------

    def exceptions_table(self, query) -> SortedTable:
        columns = [
            Column("tracking_number", "Tracking number"),
            Column("merchant_order_id", "Order"),
            Column("stage", "Stage"),
            Column("exception_reason", "Reason"),
            Column("country", "Destination"),
            Column("stage_started_at", "Since", numeric=True),
        ]
        rows = selectors.open_exceptions(query=query, mode=self.mode.code)
        return SortedTable(self.request, rows, columns, default="stage_started_at")

    def context_direct(self, query, roles) -> dict:
        handover = next((d for d in self.get_dwell(query) if d.stage == Stage.AWAITING_PICKUP), None)
        return {"handover": handover, "table": self.exceptions_table(query), "table_kind": "exceptions"}

    def get_dwell(self, query):
        return selectors.stage_dwell(query=query, mode=self.mode.code, stages=self.mode.outbound_stages)

    def context_global_warehouse(self, query, roles) -> dict:
        cover = selectors.stock_cover(query=query, mode=self.mode.code, roles=roles)
        columns = [
            Column("product__sku", "SKU"),
            Column("product__title", "Product"),
            Column("warehouse__code", "Warehouse"),
            Column("reserved", "Reserved", numeric=True),
            Column("inbound", "Inbound", numeric=True),
        ]
        table = SortedTable(
            self.request, selectors.stock_outs(query=query, roles=roles), columns, default="warehouse__code"
        )
        chart = charts.bar_chart(
            "Days of cover by warehouse",
            [(r["warehouse__code"], r["days_of_cover"] or 0, "stage") for r in cover if r["days_of_cover"] is not None],
            text=lambda v: f"{v:,.0f} d",
        )
        return {
            "cover": cover,
            "cover_chart": chart if chart.bars else None,
            "table": table,
            "table_kind": "stock_outs",
        }

    def context_asia_warehouse(self, query, roles) -> dict:
        by_country = selectors.breakdown(query=query, mode=self.mode.code, dimension="country")
        times = selectors.delivery_times_by(query=query, mode=self.mode.code, dimension="country")
        for row in by_country:
            row["median_days"] = times[row["key"]].median_days if row["key"] in times else None
        by_warehouse = selectors.breakdown(query=query, mode=self.mode.code, dimension="warehouse_id")
        codes = dict(Warehouse.objects.filter(pk__in=[r["key"] for r in by_warehouse]).values_list("pk", "code"))
        for row in by_warehouse:
            row["code"] = codes.get(row["key"], "—")
        columns = [
            Column("key", "Destination"),
            Column("orders", "Orders", numeric=True),
            Column("units", "Units", numeric=True),
            Column("delivered", "Delivered", numeric=True),
            Column("on_time_rate", "On time", numeric=True),
            Column("median_days", "Median days", numeric=True),
            Column("hold_rate", "Customs holds", numeric=True),
        ]
        table = SortedTable(self.request, by_country, columns, default="-orders")
        return {
            "by_warehouse": sorted(by_warehouse, key=lambda r: -(r["orders"] or 0)),
            "warehouse_chart": charts.bar_chart(
                "Orders by source warehouse", [(r["code"], r["orders"] or 0, "stage") for r in by_warehouse]
            )
            if by_warehouse
            else None,
            "table": table,
            "table_kind": "destinations",
        }

    def context_fba_cross_border(self, query, roles) -> dict:
        pipeline = selectors.stock_pipeline(query=query)
        columns = [
            Column("shipment__confirmation_id", "Inbound shipment"),
            Column("shipment__warehouse__code", "Warehouse"),
            Column("product__sku", "SKU"),
            Column("quantity_expected", "Expected", numeric=True),
            Column("quantity_received", "Received", numeric=True),
            Column("quantity_damaged", "Damaged", numeric=True),
            Column("difference", "Difference", numeric=True),
            Column("resolution", "Resolution"),
        ]
        lines = selectors.receiving_discrepancies(query=query, roles=self.mode.inbound_roles)
        return {
            "transfers": selectors.transfers_in_flight(query=query, mode=self.mode.code),
            "pipeline": pipeline,
            "pipeline_bar": charts.stacked_bar(
                [
                    ("Inbound to origin FC", pipeline.inbound, "seg-inbound"),
                    ("At origin FC", pipeline.origin, "seg-origin"),
                    ("In transfer", pipeline.in_transfer, "seg-transfer"),
                    ("At destination DC", pipeline.destination, "seg-destination"),
                ]
            ),
            "table": SortedTable(self.request, lines, columns, default="shipment__confirmation_id"),
            "table_kind": "discrepancies",
        }

    def context_virtual_warehouse(self, query, roles) -> dict:
        scores = selectors.partner_scoreboard(query=query, mode=self.mode.code)
        columns = [
            Column("name", "Partner"),
            Column("shipments", "Shipments", numeric=True),
            Column("ack_on_time", "Acknowledged on time", numeric=True),
            Column("ack_breached", "Acknowledged late", numeric=True),
            Column("ship_on_time", "Shipped on time", numeric=True),
            Column("ship_breached", "Shipped late", numeric=True),
            Column("open", "Open", numeric=True),
            Column("on_time_share", "SLA kept", numeric=True, value=lambda s: s.on_time_share),
        ]
        return {
            "scores_chart": charts.bar_chart(
                "SLA kept by partner (%)",
                [(s.name, 100 * s.on_time_share, "stage") for s in scores if s.on_time_share is not None],
                text=lambda v: f"{v:.0f} %",
            )
            if scores
            else None,
            "table": SortedTable(self.request, scores, columns, default="name"),
            "table_kind": "partners",
        }


class DashboardIndexView(DashboardScopeMixin, TemplateView):
    """The five modes side by side: orders in the period, on time, in flight now."""

    template_name = "dashboards/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filter_form(None)
        query = self.dashboard_query(form)
        overview = selectors.modes_overview(query=query)
        empty = {"orders": 0, "on_time_rate": None, "in_flight": 0}
        modes = [(mode, overview.get(mode.code, empty)) for mode in FulfillmentMode.objects.all()]
        context.update(
            form=form,
            query=query,
            modes=modes,
            has_data=bool(overview),
            as_of=selectors.rollups_as_of(),
            chart=charts.bar_chart(
                "Orders by mode", [(mode.name, row["orders"], f"mode-{mode.code}") for mode, row in modes]
            ),
        )
        return context


class OperatorOverviewView(OperatorRequiredMixin, TemplateView):
    """The console's overview: receiving backlog, customs and exception queues, warehouse
    utilisation and worker health. On an htmx request: the live partial only."""

    template_name = "console/overview.html"

    def get_template_names(self):
        return ["console/_overview_live.html" if self.request.htmx else self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            queues=operations.queue_counts(now=now),
            health=operations.worker_health(now=now),
            live_seconds=LIVE_SECONDS,
            now=now,
            stale_minutes=int(operations.STALE_AFTER / datetime.timedelta(minutes=1)),
        )
        if self.request.htmx:
            return context
        rows = operations.warehouse_rows()
        columns = [
            Column("code", "Warehouse", value=lambda r: r.warehouse.code),
            Column("role", "Role", value=lambda r: r.warehouse.role),
            Column("expected", "Expected", numeric=True),
            Column("at_dock", "At the dock", numeric=True),
            Column("units", "Units", numeric=True),
            Column("unit_share", "Units used", numeric=True),
            Column("volume_share", "Volume used", numeric=True),
        ]
        context.update(
            as_of=selectors.rollups_as_of(),
            table=SortedTable(self.request, rows, columns, default="-unit_share"),
            backlog=sum(r.at_dock for r in rows),
            expected=sum(r.expected for r in rows),
            utilisation_chart=charts.bar_chart(
                "Warehouse utilisation (the fuller of units and m³, %)",
                [(r.warehouse.code, 100 * r.share, "over" if r.share > 0.9 else "stage") for r in rows],
                text=lambda v: f"{v:.0f} %",
            )
            if rows
            else None,
            modes=Mode.choices,
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response
