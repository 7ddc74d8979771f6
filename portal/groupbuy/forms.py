"""Forms for opening a buy, joining it, delegating pickup, booking a slot."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.forms import strip
from portal.groupbuy.models import CATEGORY_LABELS


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def to_utc(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the community's time zone, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))


def to_local_naive(value: datetime | None) -> datetime | None:
    """An aware time as the community's wall clock, for a datetime-local input."""
    if value is None:
        return None
    return value.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class BuyForm(FlaskForm):
    title = StringField(
        lazy_pgettext("group buy", "Title"), [InputRequired(), Length(max=80)], filters=[strip]
    )
    description = TextAreaField(
        lazy_pgettext("group buy", "Description"),
        [Optional(), Length(max=2000)],
        filters=[strip],
        description=_l("Where it comes from, how it tastes, how to keep it."),
    )
    category = SelectField(
        _l("Category"), choices=[SelectChoice(k.value, v) for k, v in CATEGORY_LABELS.items()]
    )
    unit = StringField(
        _l("Unit"),
        [InputRequired(), Length(max=16)],
        filters=[strip],
        default="份",
        description=_l("For example 斤, 箱, 份, 袋"),
    )
    unit_price = DecimalField(
        _l("Price per unit (¥)"),
        [InputRequired(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"))],
        places=2,
    )
    reference_price = DecimalField(
        _l("Reference price (¥, optional)"),
        [Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"))],
        places=2,
        description=_l("What it usually costs in shops."),
    )
    min_quantity = IntegerField(
        _l("Minimum total to succeed"),
        [InputRequired(), NumberRange(min=1, max=100000)],
        description=_l("The buy succeeds (成团) if neighbours order at least this much by the deadline."),
    )
    stock_cap = IntegerField(
        _l("Stock (optional)"),
        [Optional(), NumberRange(min=1, max=100000)],
        description=_l("No more than this is sold; a full buy offers a waitlist."),
    )
    per_person_limit = IntegerField(
        _l("Limit per person (optional)"), [Optional(), NumberRange(min=1, max=1000)]
    )
    deadline = DateTimeLocalField(_l("Order deadline"), [InputRequired()], format=DATETIME_FORMATS)
    pickup_points = MultiCheckboxField(_l("Pickup points"), coerce=int, validate_choice=False)
    pickup_from = DateTimeLocalField(_l("Pickup from"), [InputRequired()], format=DATETIME_FORMATS)
    pickup_until = DateTimeLocalField(_l("Pickup until"), [InputRequired()], format=DATETIME_FORMATS)
    commission = DecimalField(
        _l("Your commission (%)"),
        [Optional(), NumberRange(min=Decimal("0"), max=Decimal("30"))],
        places=1,
        default=Decimal("0"),
    )
    batch_code = StringField(
        _l("Product batch (optional)"),
        [Optional(), Length(max=40)],
        filters=[strip],
        description=_l("The batch number on the supplier's label, for traceability."),
    )
    photos = MultipleFileField(_l("Photos"), description=_l("Up to 6 pictures (JPEG, PNG or WebP)."))


class JoinForm(FlaskForm):
    quantity = IntegerField(_l("Quantity"), [InputRequired(_l("How many?")), NumberRange(min=1, max=100000)])
    note = StringField(
        _l("A note to the group (optional)"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l("Say hello! For example: 新搬来的, 喜欢种花"),
    )
    pickup_point = SelectField(_l("Pickup point"), coerce=int, validate_choice=False)
    show_building = BooleanField(_l("Show my building to the others in this buy"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (told to everyone)"), [Optional(), Length(max=200)], filters=[strip])


class DelegateForm(FlaskForm):
    phone = StringField(
        _l("Neighbour's mobile number"),
        [InputRequired(), Regexp(r"^1\d{10}$", message=_l("Enter an 11-digit mobile number."))],
        filters=[strip],
    )


class SlotForm(FlaskForm):
    slot = StringField(_l("Pickup time"), [InputRequired(_l("Choose a time."))])
