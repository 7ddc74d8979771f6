"""After-sales forms: the report, the offer, the resident's answer, payment, supplier, corrections."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from portal.aftersales.models import OFFER_LABELS, REASON_LABELS
from portal.aftersales.services import report_problems
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.forms import Pictures, Required, attach_errors, strip
from portal.groupbuy.models import CATEGORY_LABELS

MONEY = NumberRange(min=Decimal("-99999.99"), max=Decimal("99999.99"))


def cents(value: Decimal | None) -> int:
    return 0 if value is None else int((value * 100).to_integral_value())


class ReportForm(FlaskForm):
    reason = SelectField(
        _l("What is wrong?"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(k.value, v) for k, v in REASON_LABELS.items()],
    )
    quantity = IntegerField(
        _l("How many are affected?"), [Optional(), NumberRange(min=1, max=100_000)], default=1
    )
    photos = MultipleFileField(
        _l("Photos"),
        [Pictures(None)],  # how many: report_problems
        description=_l("At least one for fresh food; up to 6 (JPEG, PNG or WebP)."),
    )
    note = TextAreaField(_l("What happened"), [Optional(), Length(max=500)], filters=[strip])

    order = None  # the order reported (the view sets it)

    def uploads(self) -> list:
        data = self.photos.data or []
        return [f for f in data if f is not None and getattr(f, "filename", None)]

    def validate(self, extra_validators=None):
        """The fields' own checks and the report's rules together, so one submit shows them all
        (report() checks the rules again when it saves)."""
        valid = super().validate(extra_validators)
        if self.order is None:
            return valid
        quantity = None if self.quantity.errors else self.quantity.data
        problems = report_problems(self.order, self.reason.data, quantity, self.uploads(), utcnow())
        return attach_errors(self, [DomainError(message, field) for field, message in problems]) and valid


class OfferForm(FlaskForm):
    kind = RadioField(
        _l("You offer"), choices=[SelectChoice(k.value, v) for k, v in OFFER_LABELS.items()], default="refund"
    )
    amount = DecimalField(
        _l("Refund (¥)"), [Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("99999.99"))], places=2
    )
    points = IntegerField(_l("Points"), [Optional(), NumberRange(min=1, max=100_000)])
    note = StringField(_l("Note to the resident"), [Optional(), Length(max=300)], filters=[strip])


class RejectForm(FlaskForm):
    reason = StringField(_l("Why not?"), [Required(), Length(max=300)], filters=[strip])


class PaidForm(FlaskForm):
    method = StringField(
        _l("Paid how"),
        [Required(), Length(max=40)],
        filters=[strip],
        description=_l("For example WeChat transfer, cash, Alipay"),
    )


class ClaimForm(FlaskForm):
    claim_amount = DecimalField(
        _l("The supplier owes (¥)"),
        [Required(), NumberRange(min=Decimal("0.01"), max=Decimal("99999.99"))],
        places=2,
    )
    claim_note = StringField(_l("Note"), [Optional(), Length(max=300)], filters=[strip])


class NoteForm(FlaskForm):
    step_note = StringField(_l("Note"), [Optional(), Length(max=300)], filters=[strip])


class CorrectionForm(FlaskForm):
    fix_amount = DecimalField(_l("Correction (¥, + or −)"), [Required(), MONEY], places=2)
    fix_note = StringField(_l("Why"), [Required(), Length(max=300)], filters=[strip])


def window_form(hours: dict[str, int]):
    """A form with one hours field per category, filled with the current windows."""

    class WindowForm(FlaskForm):
        pass

    for category, label in CATEGORY_LABELS.items():
        setattr(
            WindowForm,
            f"hours_{category.value}",
            IntegerField(label, [Required(), NumberRange(min=1, max=720)], default=hours.get(category.value)),
        )
    return WindowForm
