"""Forms: giving points, the catalogue (admins), campaigns, badges, checking a code."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from portal.core.forms import Required, strip
from portal.points.badges import BADGES
from portal.points.services import CAMPAIGN_REASONS


class GiveForm(FlaskForm):
    amount = IntegerField(
        _l("Points"),
        [Required(_l("How many points?")), NumberRange(1, 500, _l("Between 1 and 500 points."))],
    )
    note = StringField(_l("Note (optional)"), [Optional(), Length(max=100)], filters=[strip])


class ItemForm(FlaskForm):
    title = StringField(
        _l("Item name"),
        [Required(), Length(max=80)],
        filters=[strip],
        description=_l("For example 家政保洁 2 小时 or 团购满 50 减 5 券"),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("service", _l("Local service")), SelectChoice("coupon", _l("Coupon"))],
    )
    provider = StringField(
        _l("Provider"),
        [Optional(), Length(max=80)],
        filters=[strip],
        description=_l("The shop or person who honours the code"),
    )
    description = TextAreaField(_l("Details"), [Optional(), Length(max=500)], filters=[strip])
    cost = IntegerField(_l("Cost in points"), [Required(), NumberRange(1, 100000)])
    stock = IntegerField(_l("How many (empty: no limit)"), [Optional(), NumberRange(0, 100000)])
    active = BooleanField(_l("Offered now"), default=True)


class CampaignForm(FlaskForm):
    name = StringField(
        _l("Campaign name"),
        [Required(), Length(max=60)],
        filters=[strip],
        description=_l("For example 邻里介绍月"),
    )
    reason = SelectField(
        _l("Multiplies points for"), choices=[SelectChoice(k, v) for k, v in CAMPAIGN_REASONS.items()]
    )
    multiplier = DecimalField(_l("Multiplier"), [Required(), NumberRange(1.1, 10)], places=1, default=2)
    starts_on = DateField(_l("First day"), [Required()])
    ends_on = DateField(_l("Last day"), [Required()])


class BadgeForm(FlaskForm):
    badge = SelectField(_l("Badge"), choices=[SelectChoice(k, v) for k, v in BADGES.items()])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        [Required(_l("Type the code the resident shows you.")), Length(max=20)],
        filters=[strip],
    )
