"""The customs engine (BRIEF §8): rules as dated data, and a pure calculation over them.

Callers need four names, all importable from here::

    from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_ruleset_for

    ruleset = customs_ruleset_for("DE", date)          # reads the rule tables (4 queries)
    rulesets = customs_rulesets_for(["DE", "US"], date)  # as many destinations, the same 4 queries
    assessment = customs_assess(declaration, ruleset)  # pure: no database, no clock

Modules: ``types`` (the dataclasses), ``engine`` (the calculation), ``regimes`` (one treatment
per low-value regime), ``documents`` (papers and data holds), ``money`` (rounding and
exchange rates), ``selectors`` (``customs_ruleset_for``, ``customs_rulesets_for``), ``reference`` (the seed loader),
``services`` (adding a rule version). See docs/customs.md.

Names are resolved lazily so that the rule models can import ``codes`` without a cycle.
"""

from importlib import import_module

_EXPORTS = {
    "customs_assess": "shipping.customs.engine",
    "customs_ruleset_for": "shipping.customs.selectors",
    "customs_rulesets_for": "shipping.customs.selectors",
    "customs_reference_load": "shipping.customs.reference",
    "customs_rule_add_version": "shipping.customs.services",
    "Document": "shipping.customs.codes",
    "HoldCode": "shipping.customs.codes",
    "Incoterm": "shipping.customs.codes",
    "LowValueRegime": "shipping.customs.codes",
    "TransportKind": "shipping.customs.codes",
    "CustomsAssessment": "shipping.customs.types",
    "Declaration": "shipping.customs.types",
    "DeclarationLine": "shipping.customs.types",
    "ExchangeRateUsed": "shipping.customs.types",
    "HoldReason": "shipping.customs.types",
    "LineAssessment": "shipping.customs.types",
    "RuleSet": "shipping.customs.types",
    "RuleUsed": "shipping.customs.types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
