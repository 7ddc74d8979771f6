"""Forms for registering lockers, kiosk screens and board announcements."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from portal.accounts.forms import PHONE
from portal.core.forms import Required, strip
from portal.core.inputs import database_int


def lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class PointChoiceMixin:
    pickup_point_id = SelectField(_l("Pickup point"), coerce=database_int, validators=[Required()])

    def set_points(self, points) -> None:
        self.pickup_point_id.choices = [(p.id, p.name) for p in points]


class LockerForm(PointChoiceMixin, FlaskForm):
    device_id = StringField(
        _l("Locker id"),
        [
            Required(),
            Regexp(r"^[a-z0-9-]{1,40}$", message=_l("Use 1–40 lower-case letters, digits and dashes.")),
        ],
        filters=[lower],
        description=_l("The id the locker uses on MQTT, e.g. cuiping-3-a."),
    )
    name = StringField(_l("Name on the board"), [Optional(), Length(max=80)], filters=[strip])
    layout = TextAreaField(
        _l("Compartments"),
        [Optional(), Length(max=2000)],
        filters=[strip],
        description=_l(
            "Like A01:S, A02:M, C01:L:cold. Leave empty to learn them from the locker and approve them."
        ),
    )


class LockerEditForm(FlaskForm):
    name = StringField(_l("Name on the board"), [Required(), Length(max=80)], filters=[strip])
    enabled = BooleanField(_l("Enabled (its messages are accepted)"))


class RemoteOpenForm(FlaskForm):
    comp = SelectField(_l("Compartment"), validators=[Required()])


class KioskForm(PointChoiceMixin, FlaskForm):
    name = StringField(
        _l("Screen name"),
        [Required(), Length(max=40)],
        filters=[strip],
        description=_l("For example 3栋自提点屏幕"),
    )
    phone = StringField(
        _l("Login number"),
        [Required(), PHONE],
        filters=[strip],
        description=_l("11 digits the screen logs in with; a free one is suggested."),
    )


class AnnouncementForm(PointChoiceMixin, FlaskForm):
    text = StringField(_l("Announcement"), [Required(), Length(max=200)], filters=[strip])
    days = IntegerField(
        _l("Show for how many days"),
        [Optional(), NumberRange(min=1, max=90)],
        description=_l("Empty: until removed."),
    )
