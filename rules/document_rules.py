"""Python rules of the document example: what YAML cannot say.

Listed under ``python:`` in ``document.yaml``; every function decorated with ``@rule`` is a rule.
"""

import datetime

from kili_rules import NOT_APPLICABLE, LabelView, rule


def _first_date(label: LabelView, job: str) -> datetime.date | None:
    for text in label.texts(job):
        try:
            return datetime.date.fromisoformat(text.strip())
        except ValueError:
            continue
    return None


@rule(id="payment-after-billing", severity="warning")
def payment_after_billing(label: LabelView):
    """The payment date must not be before the billing date."""
    billing = _first_date(label, "TRANSCRIPTION_JOB_0")
    payment = _first_date(label, "TRANSCRIPTION_JOB_1")
    if billing is None or payment is None:
        return NOT_APPLICABLE
    return payment >= billing
