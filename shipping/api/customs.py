"""``/api/v1/`` for customs: the merchant's declarations, and the customs desk's holds.

Merchant-scoped (``customs:read`` / ``customs:write``):

- ``GET /customs-declarations/``: the declaration of every shipment of the merchant that crosses
  a customs border, newest first. Filters: ``status`` (not_required, pending, cleared, held,
  rejected), ``held`` (true: in customs hold now), ``destination_country``, ``origin_country``,
  ``mode``, ``kind``, ``created_after`` / ``created_before``.
- ``GET /customs-declarations/{id}/``: one declaration (the id is the shipment's): its lines with
  HS codes and values, the incoterm and who pays import charges, the merchant's EORI / VAT /
  IOSS numbers as declared, duty and tax as assessed, and why it is held.
- ``POST /customs-declarations/{id}/reassess/``: after fixing what held it (a product's HS code,
  the IOSS number in the merchant profile), customs assesses it again: ``cleared`` true and the
  parcel moves on, or false with the remaining reasons in ``notes``. A declaration that is not
  held, or held for an inspection (the desk's to release), is 409.

Operators only (platform staff; every merchant's on purpose), the customs desk of the console:

- ``GET /customs/holds/``: shipments held at customs, the longest-held first.
- ``POST /customs/holds/{id}/release/`` ``{note?, version?}``: the parcel moves on to its plan's
  next stage; ``customs_status`` becomes cleared.
- ``POST /customs/holds/{id}/reject/`` ``{reason, note?, version?}``: the parcel is returned
  (``reason``: documentation, duties_unpaid, inspection, prohibited); ``customs_status`` rejected.

``version`` is the shipment's ``version`` the operator saw: if the shipment changed since, nothing
happens and the answer is 409 (as for a shipment that is not held).
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.schema import conflict
from merchants.api.errors import Conflict
from merchants.geography import EU_MEMBER_STATES
from merchants.tenancy import IsOperator, MerchantScopedViewSet
from shipping.api.filters import CustomsDeclarationFilter
from shipping.console_exceptions import customs_queue
from shipping.models import Shipment, ShipmentLine
from shipping.services.outbound_customs import shipment_customs_reassess
from shipping.services.returns import CUSTOMS_REASONS, MAX_NOTE, shipment_operator_move
from warehouses.modes import Stage

# --- shapes ----------------------------------------------------------------------------------


class DeclarationLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    hs_code = serializers.CharField(source="product.hs_code")
    description = serializers.CharField(source="product.title")
    origin_country = serializers.CharField(source="product.origin_country.code")
    restricted = serializers.BooleanField(source="product.is_dangerous_goods", help_text="Dangerous goods.")

    class Meta:
        model = ShipmentLine
        fields = ["sku", "hs_code", "description", "quantity", "unit_value", "currency", "origin_country", "restricted"]


class CustomsDeclarationSerializer(serializers.ModelSerializer):
    shipment = serializers.CharField(source="tracking_number", help_text="The shipment's tracking number.")
    mode = serializers.CharField(source="mode_id")
    destination_country = serializers.CharField(source="country.code")
    status = serializers.ChoiceField(source="customs_status", choices=Shipment.CustomsStatus.choices)
    held = serializers.SerializerMethodField()
    hold_reason = serializers.SerializerMethodField()
    can_reassess = serializers.SerializerMethodField()
    import_charges_paid_by = serializers.SerializerMethodField()
    customs_responsibility = serializers.CharField(source="mode.customs_responsibility")
    eori_number = serializers.CharField(source="merchant.eori_number")
    vat_number = serializers.CharField(source="merchant.vat_number")
    ioss_number = serializers.SerializerMethodField()
    duty = serializers.DecimalField(source="customs_duty", max_digits=12, decimal_places=2, allow_null=True)
    tax = serializers.DecimalField(source="customs_tax", max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(source="customs_currency")
    notes = serializers.CharField(source="customs_notes")
    lines = DeclarationLineSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "shipment",
            "kind",
            "order_id",
            "merchant_order_id",
            "mode",
            "origin_country",
            "destination_country",
            "incoterm",
            "import_charges_paid_by",
            "customs_responsibility",
            "eori_number",
            "vat_number",
            "ioss_number",
            "status",
            "stage",
            "held",
            "hold_reason",
            "can_reassess",
            "duty",
            "tax",
            "currency",
            "notes",
            "lines",
            "created_at",
        ]

    def get_held(self, shipment: Shipment) -> bool:
        return shipment.stage == Stage.CUSTOMS_HOLD

    def get_hold_reason(self, shipment: Shipment) -> str:
        """documentation, duties_unpaid, inspection or prohibited; blank when not held."""
        return shipment.exception_reason if shipment.stage == Stage.CUSTOMS_HOLD else ""

    def get_can_reassess(self, shipment: Shipment) -> bool:
        """Held by the engine (not an inspection): fixing the data and reassessing may clear it."""
        return (
            shipment.stage == Stage.CUSTOMS_HOLD
            and shipment.customs_status == Shipment.CustomsStatus.HELD
            and shipment.exception_reason != "inspection"
        )

    @extend_schema_field(serializers.ChoiceField(choices=["buyer", "merchant"]))
    def get_import_charges_paid_by(self, shipment: Shipment) -> str:
        return "merchant" if shipment.incoterm == "DDP" else "buyer"

    def get_ioss_number(self, shipment: Shipment) -> str:
        """Declared only for EU destinations."""
        return shipment.merchant.ioss_number if shipment.country.code in EU_MEMBER_STATES else ""


class ReassessResultSerializer(serializers.Serializer):
    cleared = serializers.BooleanField(help_text="Customs cleared it: the parcel moves on.")
    notes = serializers.CharField(help_text="The assessment, or what still holds the parcel.")
    declaration = CustomsDeclarationSerializer()


class HoldSerializer(serializers.ModelSerializer):
    """A held shipment as the customs desk sees it (any merchant's)."""

    merchant = serializers.CharField(source="merchant.slug")
    mode = serializers.CharField(source="mode_id")
    destination_country = serializers.CharField(source="country.code")
    hold_reason = serializers.CharField(source="exception_reason")
    release_to = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "id",
            "tracking_number",
            "merchant",
            "mode",
            "origin_country",
            "destination_country",
            "incoterm",
            "hold_reason",
            "customs_status",
            "customs_duty",
            "customs_tax",
            "customs_currency",
            "customs_notes",
            "stage",
            "stage_started_at",
            "stage_due_at",
            "release_to",
            "version",
        ]

    def get_release_to(self, shipment: Shipment) -> str | None:
        """The stage a release moves the parcel on to."""
        return _following(shipment)


class ReleaseInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=MAX_NOTE, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=0, required=False, help_text="The shipment's version you saw; if it changed since, 409."
    )


class RejectInputSerializer(ReleaseInputSerializer):
    reason = serializers.ChoiceField(choices=CUSTOMS_REASONS)


# --- merchant --------------------------------------------------------------------------------


def _declarations(shipments):
    lines = ShipmentLine.objects.select_related("product")
    return (
        shipments.filter(crosses_border=True)
        .select_related("mode", "merchant")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )


class CustomsDeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's customs declarations; see the module docstring."""

    serializer_class = CustomsDeclarationSerializer
    filterset_class = CustomsDeclarationFilter
    scope_family = "customs"

    def get_merchant_queryset(self):
        return _declarations(Shipment.objects.filter(merchant=self.merchant))

    @extend_schema(
        request=None,
        responses={
            200: ReassessResultSerializer,
            409: conflict("Not held by customs, or held for an inspection (the customs desk releases it)."),
        },
    )
    @action(detail=True, methods=["post"])
    def reassess(self, request, pk=None):
        """Assess a held declaration again, after fixing what held it."""
        shipment = self.get_object()
        try:
            cleared, notes = shipment_customs_reassess(shipment=shipment, actor=self.actor)
        except ValidationError as refused:
            raise Conflict(refused.message_dict, code="conflict") from refused
        declaration = self.get_queryset().get(pk=shipment.pk)
        return Response(
            {"cleared": cleared, "notes": notes, "declaration": CustomsDeclarationSerializer(declaration).data}
        )


# --- operators -------------------------------------------------------------------------------


def _following(shipment: Shipment) -> str | None:
    plan, index = shipment.planned_stages, shipment.stage_index
    return plan[index + 1] if index + 1 < len(plan) else None


class OperatorCustomsHoldViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The customs desk (platform staff): every merchant's held shipments; see the module docstring."""

    permission_classes = [IsOperator]
    serializer_class = HoldSerializer
    filter_backends: list = []
    # The longest-held first.
    cursor_ordering = ("stage_started_at", "id")

    def get_queryset(self):
        if self.action == "list":
            return customs_queue()
        # Any shipment, so that one no longer held answers 409 (not 404) to a late click.
        return Shipment.objects.select_related("merchant", "mode")

    def _decide(self, request, *, to: str | None, data: dict) -> Response:
        shipment = self.get_object()
        if shipment.stage != Stage.CUSTOMS_HOLD or to is None:
            raise Conflict(
                {"stage": [f"Shipment {shipment.tracking_number} is not held by customs (it is {shipment.stage})."]}
            )
        moved = shipment_operator_move(
            shipment=shipment,
            to=to,
            expected_version=data.get("version", shipment.version),
            actor=request.user,
            reason=data.get("reason", ""),
            note=data["note"],
        )
        if not moved:
            raise Conflict(
                {
                    "version": [
                        f"Shipment {shipment.tracking_number} changed meanwhile; nothing was done. Read it again."
                    ]
                }
            )
        return Response(HoldSerializer(self.get_queryset().get(pk=shipment.pk)).data)

    @extend_schema(
        request=ReleaseInputSerializer,
        responses={200: HoldSerializer, 409: conflict("Not held by customs, or changed since the version given.")},
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release the parcel to its plan's next stage."""
        serializer = ReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shipment = self.get_object()
        to = _following(shipment) if shipment.stage == Stage.CUSTOMS_HOLD else None
        return self._decide(request, to=to, data=serializer.validated_data)

    @extend_schema(
        request=RejectInputSerializer,
        responses={200: HoldSerializer, 409: conflict("Not held by customs, or changed since the version given.")},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the declaration: the parcel is returned, with the reason."""
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._decide(request, to=Stage.RETURNING, data=serializer.validated_data)
