"""Forms for events: what admins fill in, what residents send to sign up."""


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.forms import Pictures, Required, attach_errors, strip
from portal.core.inputs import database_int
from portal.core.localtime import from_wall_clock, to_wall_clock
from portal.events.models import Audience, EventKind
from portal.events.services.organising import NO_BUILDING, NO_GROUP, EventData, schedule_problems
from portal.events.services.signups import MAX_CAPACITY, MAX_COMPANIONS

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

KIND_LABELS = {
    EventKind.EVENT: _l("Event (workshop, talk, visit…)"),
    EventKind.HELP_DAY: _l("Help day (gathers the day's open help needs)"),
}
AUDIENCE_LABELS = {
    Audience.COMMUNITY: _l("The whole community"),
    Audience.BUILDING: _l("One building"),
    Audience.GROUP: _l("One mutual-aid group"),
}


class EventForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=EventKind.EVENT.value,
    )
    title = StringField(
        _l("Title"), [Required(_l("Give the event a title.")), Length(max=120)], filters=[strip]
    )
    description = TextAreaField(
        _l("Description"),
        [Optional(), Length(max=4000)],
        filters=[strip],
        description=_l("What happens, what to bring, who it suits."),
    )
    photo = FileField(
        _l("Photo (optional)"), [Pictures(1, name=_l("Event photo"))], description=_l("JPEG, PNG or WebP.")
    )
    place = StringField(
        _l("Place"),
        [Required(_l("Say where it happens.")), Length(max=120)],
        filters=[strip],
        description=_l("For example 3栋自提点 or 社区活动室"),
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), [Required(_l("When does it start?"))], format=LOCAL_FORMAT
    )
    ends_at = DateTimeLocalField(_l("Ends"), [Required(_l("When does it end?"))], format=LOCAL_FORMAT)
    signup_deadline = DateTimeLocalField(
        _l("Signing up closes (optional)"),
        [Optional()],
        format=LOCAL_FORMAT,
        description=_l("Empty: open until the start."),
    )
    capacity = IntegerField(
        _l("Places"),
        [Required(_l("How many people can come?")), NumberRange(1, MAX_CAPACITY)],
        description=_l("Residents and their companions together."),
    )
    max_companions = IntegerField(
        _l("Companions per signup"),
        [Required(), NumberRange(0, MAX_COMPANIONS)],
        default=2,
        description=_l("Family or friends a resident may bring."),
    )
    audience = SelectField(
        _l("Who is it for?"),
        choices=[SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        default=Audience.COMMUNITY.value,
    )
    building_id = SelectField(
        _l("Building"), coerce=database_int, validate_choice=False, validators=[Optional()]
    )
    group_id = SelectField(
        _l("Mutual-aid group"), coerce=database_int, validate_choice=False, validators=[Optional()]
    )
    points_cost = IntegerField(
        _l("Points per place (optional)"),
        [Optional(), NumberRange(0, 100_000)],
        default=0,
        description=_l("Paid at signup, refunded when cancelled."),
    )

    # what the view tells: a new event must start in the future; an edited one may keep its
    # signup deadline even once it has passed
    is_new = False
    current_deadline = None

    def validate(self, extra_validators=None):
        """The fields' own checks and the event's rules together, so one submit shows them all
        (the service checks the same rules again when it saves)."""
        valid = super().validate(extra_validators)

        def parsed(field):
            return None if field.errors else from_wall_clock(field.data)

        problems = schedule_problems(
            parsed(self.starts_at),
            parsed(self.ends_at),
            parsed(self.signup_deadline),
            utcnow(),
            new=self.is_new,
            current_deadline=self.current_deadline,
        )
        chosen = {
            Audience.BUILDING.value: (self.building_id, NO_BUILDING),
            Audience.GROUP.value: (self.group_id, NO_GROUP),
        }.get(self.audience.data)
        if chosen is not None:
            field, message = chosen
            offered = {choice.value for choice in field.choices or []} - {0}
            if not field.errors and field.data not in offered:
                problems.append(DomainError(message, field.name))
        return attach_errors(self, problems) and valid

    def event_data(self, photo: str | None = None) -> EventData:
        return EventData(
            title=self.title.data,
            description=self.description.data or "",
            place=self.place.data,
            starts_at=from_wall_clock(self.starts_at.data),
            ends_at=from_wall_clock(self.ends_at.data),
            signup_deadline=from_wall_clock(self.signup_deadline.data),
            capacity=self.capacity.data,
            max_companions=self.max_companions.data,
            audience=self.audience.data,
            building_id=self.building_id.data or None,
            group_id=self.group_id.data or None,
            points_cost=self.points_cost.data or 0,
            kind=self.kind.data,
            photo=photo,
        )

    @classmethod
    def for_event(cls, event):
        """The form filled with an event's values (times in local time)."""
        return cls(
            formdata=None,
            kind=event.kind,
            title=event.title,
            description=event.description,
            place=event.place,
            starts_at=to_wall_clock(event.starts_at),
            ends_at=to_wall_clock(event.ends_at),
            signup_deadline=to_wall_clock(event.signup_deadline),
            capacity=event.capacity,
            max_companions=event.max_companions,
            audience=event.audience,
            building_id=event.building_id or 0,
            group_id=event.group_id or 0,
            points_cost=event.points_cost,
        )


class SignupForm(FlaskForm):
    companions = SelectField(_l("Companions"), coerce=database_int, validate_choice=False, default=0)


def companion_choices(event) -> list[SelectChoice]:
    return [SelectChoice(0, _l("Just me"))] + [
        SelectChoice(n, _l("Me + %(n)s", n=n)) for n in range(1, event.max_companions + 1)
    ]
