"""Forms for opening a buy, joining it, delegating pickup, booking a slot."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.db import utcnow
from portal.core.forms import Pictures, Required, attach_errors, strip
from portal.core.inputs import database_int, optional_int
from portal.core.localtime import from_wall_clock
from portal.groupbuy.models import CATEGORY_LABELS
from portal.groupbuy.services.buys import MAX_PHOTOS, NO_BATCH, NO_POINT, schedule_problems


def cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class BuyForm(FlaskForm):
    title = StringField(
        lazy_pgettext("group buy", "Title"), [Required(), Length(max=80)], filters=[strip]
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
        [Required(), Length(max=16)],
        filters=[strip],
        default="份",
        description=_l("For example 斤, 箱, 份, 袋"),
    )
    unit_price = DecimalField(
        _l("Price per unit (¥)"),
        [Required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"))],
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
        [Required(), NumberRange(min=1, max=100000)],
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
    deadline = DateTimeLocalField(_l("Order deadline"), [Required()], format=DATETIME_FORMATS)
    pickup_points = MultiCheckboxField(_l("Pickup points"), coerce=database_int, validate_choice=False)
    pickup_from = DateTimeLocalField(_l("Pickup from"), [Required()], format=DATETIME_FORMATS)
    pickup_until = DateTimeLocalField(_l("Pickup until"), [Required()], format=DATETIME_FORMATS)
    commission = DecimalField(
        _l("Your commission (%)"),
        [Optional(), NumberRange(min=Decimal("0"), max=Decimal("30"))],
        places=1,
        default=Decimal("0"),
    )
    batch = SelectField(
        _l("Product batch"),
        coerce=optional_int,
        validate_choice=False,  # the service checks the leader may sell it
        description=_l("Link the buy to a supplier's batch: its journey and reviews show on the buy."),
    )
    photos = MultipleFileField(
        _l("Photos"),
        [Pictures(MAX_PHOTOS, kept=lambda form: form.kept_photos)],
        description=_l("Up to 6 pictures (JPEG, PNG or WebP)."),
    )
    # what the buy is opened from (e.g. "wish:12"), announced with buy_opened; groupbuy ignores it
    source = HiddenField(validators=[Optional(), Regexp(r"^[a-z]{1,20}:\d{1,12}$")])

    kept_photos = 0  # the photos the buy has already (editing)

    # the view sets the choices to the community's active points and the batches the leader
    # may sell; the service checks both again when it saves
    def validate_pickup_points(self, field):
        offered = {choice.value for choice in field.choices or []}
        if not field.data or not set(field.data) <= offered:
            raise ValidationError(NO_POINT)

    def validate_batch(self, field):
        offered = {choice.value for choice in field.choices or []}
        if field.data is not None and field.data not in offered:
            raise ValidationError(NO_BATCH)

    def validate(self, extra_validators=None):
        """The fields' own checks and the buy's rules together, so one submit shows them all."""
        valid = super().validate(extra_validators)

        def parsed(field):
            return None if field.errors else field.data

        problems = schedule_problems(
            utcnow(),
            from_wall_clock(parsed(self.deadline)),
            from_wall_clock(parsed(self.pickup_from)),
            from_wall_clock(parsed(self.pickup_until)),
            parsed(self.min_quantity),
            parsed(self.stock_cap),
            parsed(self.per_person_limit),
        )
        return attach_errors(self, problems) and valid


# the fields another page may fill in for a leader by linking to the new-buy form with them
PREFILLABLE = ("title", "description", "category", "unit", "unit_price", "min_quantity", "source")


class JoinForm(FlaskForm):
    quantity = IntegerField(_l("Quantity"), [Required(_l("How many?")), NumberRange(min=1, max=100000)])
    note = StringField(
        _l("A note to the group (optional)"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l("Say hello! For example: 新搬来的, 喜欢种花"),
    )
    pickup_point = SelectField(_l("Pickup point"), coerce=database_int, validate_choice=False)
    show_building = BooleanField(_l("Show my building to the others in this buy"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (told to everyone)"), [Optional(), Length(max=200)], filters=[strip])


class DelegateForm(FlaskForm):
    phone = StringField(
        _l("Neighbour's mobile number"),
        [Required(), Regexp(r"^1\d{10}$", message=_l("Enter an 11-digit mobile number."))],
        filters=[strip],
    )


class SlotForm(FlaskForm):
    slot = StringField(_l("Pickup time"), [Required(_l("Choose a time."))])


class CodeForm(FlaskForm):
    point = SelectField(_l("Pickup point"), coerce=database_int, validate_choice=False)
    code = StringField(
        _l("Pickup code"),
        [
            Required(_l("Type the 8-digit code.")),
            Regexp(r"^\s*\d{4}\s*\d{4}\s*$", message=_l("A pickup code has 8 digits.")),
        ],
        filters=[strip],
    )
