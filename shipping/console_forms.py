"""Forms of the operator receiving console. They check the shape of the input; services decide.

Receiving services name their errors by domain keys (``counts.SKU.good``, ``resolutions.SKU``);
each form translates those keys to its own fields, so an error lands next to the input it is
about.
"""

from django import forms
from django.core.exceptions import ValidationError

from merchants.views import add_service_errors
from shipping.models import InboundBox, InboundShipmentLine
from shipping.services.receiving import default_resolution

Resolution = InboundShipmentLine.Resolution
# What an operator may choose for a line short beyond the auto-reconcile tolerance.
SHORTAGE_RESOLUTIONS = [(Resolution.REIMBURSED, "Reimbursed"), (Resolution.UNITS_NOT_SHIPPED, "Units not shipped")]


def _error_messages(error: Exception) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _add_keyed_errors(form: forms.Form, error: Exception, field_for_key: dict[str, str]) -> None:
    """Show a service error on ``form``, its keys translated to field names (others: the form)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        translated: dict[str, list] = {}
        for key, errors in error.error_dict.items():
            translated.setdefault(field_for_key.get(key.upper(), key), []).extend(errors)
        add_service_errors(form, ValidationError(translated))
    else:
        form.add_error(None, _error_messages(error))


class BoxScanForm(forms.Form):
    box_id = forms.CharField(
        label="Scan or type a box barcode",
        max_length=64,
        help_text="The box id printed under the barcode, like FBA1A2B3C4DU000001.",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "scan-input",
            }
        ),
    )

    def add_service_error(self, error: Exception) -> None:
        """Every check-in refusal (unknown box, wrong warehouse, customs…) is about the scanned code."""
        self.add_error("box_id", _error_messages(error))


class BoxCountForm(forms.Form):
    """One row per SKU packed in ``box``: good and damaged units found."""

    def __init__(self, *args, box: InboundBox, **kwargs):
        kwargs.setdefault("prefix", f"box{box.pk}")
        super().__init__(*args, **kwargs)
        self.box = box
        self._rows = []
        self._field_for_key = {}
        for content in box.contents.all():
            sku = content.product.sku
            good, damaged = f"{content.pk}_good", f"{content.pk}_damaged"
            self.fields[good] = forms.IntegerField(
                label=f"Good units of {sku}", min_value=0, initial=content.counted_good
            )
            self.fields[damaged] = forms.IntegerField(
                label=f"Damaged units of {sku}",
                min_value=0,
                required=False,
                initial=content.counted_damaged or 0,
            )
            self._rows.append((content, good, damaged))
            self._field_for_key.update(
                {
                    f"COUNTS.{sku.upper()}": good,
                    f"COUNTS.{sku.upper()}.GOOD": good,
                    f"COUNTS.{sku.upper()}.DAMAGED": damaged,
                }
            )

    def rows(self):
        """``(content, good field, damaged field)`` per SKU, for the template."""
        return [(content, self[good], self[damaged]) for content, good, damaged in self._rows]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            content.product.sku: {"good": self.cleaned_data[good], "damaged": self.cleaned_data[damaged] or 0}
            for content, good, damaged in self._rows
        }

    def add_service_error(self, error: Exception) -> None:
        _add_keyed_errors(self, error, self._field_for_key)


class ShipmentCloseForm(forms.Form):
    """A resolution and note for each line short beyond tolerance; other lines take their default."""

    def __init__(self, *args, lines: list[InboundShipmentLine], **kwargs):
        kwargs.setdefault("prefix", "close")
        super().__init__(*args, **kwargs)
        self._rows = []
        self._field_for_key = {}
        for line in lines:
            default = default_resolution(line)
            if default is None:
                sku = line.product.sku
                resolution, note = f"resolution_{line.pk}", f"note_{line.pk}"
                # Not required here: the service says why a resolution is needed, in its words.
                self.fields[resolution] = forms.ChoiceField(
                    label=f"Resolution for {sku}",
                    choices=[("", "Choose…"), *SHORTAGE_RESOLUTIONS],
                    required=False,
                )
                self.fields[note] = forms.CharField(label=f"Note on {sku}", max_length=200, required=False)
                self._field_for_key[f"RESOLUTIONS.{sku.upper()}"] = resolution
                self._rows.append((line, None, resolution, note))
            else:
                self._rows.append((line, Resolution(default).label, None, None))

    def rows(self):
        """``(line, default resolution label or None, resolution field, note field)``."""
        return [
            (line, default, self[resolution] if resolution else None, self[note] if note else None)
            for line, default, resolution, note in self._rows
        ]

    def resolutions(self) -> dict[str, dict[str, str]]:
        return {
            line.product.sku: {"resolution": self.cleaned_data[resolution], "note": self.cleaned_data[note]}
            for line, _, resolution, note in self._rows
            if resolution and self.cleaned_data[resolution]
        }

    def add_service_error(self, error: Exception) -> None:
        _add_keyed_errors(self, error, self._field_for_key)


class LineResolveForm(forms.Form):
    """Change a closed line's resolution while the claim window is open."""

    resolution = forms.ChoiceField(label="Resolution")
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, line: InboundShipmentLine, **kwargs):
        kwargs.setdefault("prefix", f"line{line.pk}")
        kwargs.setdefault("initial", {"resolution": line.resolution, "note": line.resolution_note})
        super().__init__(*args, **kwargs)
        self.line = line
        self.fields["resolution"].label = f"Resolution for {line.product.sku}"
        self.fields["note"].label = f"Note on {line.product.sku}"
        self.fields["resolution"].choices = [
            (value, label)
            for value, label in Resolution.choices
            if not (value == Resolution.RECEIVED and line.shortage)
        ]

    def add_service_error(self, error: Exception) -> None:
        _add_keyed_errors(self, error, {"RESOLUTION": "resolution", "NOTE": "note"})
