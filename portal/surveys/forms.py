"""The NPS card's form: 0–10 and an optional comment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from portal.core.errors import DomainError
from portal.core.forms import Required, strip
from portal.surveys.models import MAX_COMMENT
from portal.surveys.services import parse_score

SCORES = [str(n) for n in range(11)]


class SurveyForm(FlaskForm):
    score = RadioField(
        _l("How likely are you to recommend Linli to a neighbour?"),
        [Required(_l("Choose a number from 0 to 10."))],
        choices=[SelectChoice(s, s) for s in SCORES],
        validate_choice=False,  # validate_score: the service's own rule, so both errors show at once
    )
    comment = TextAreaField(
        _l("What is the main reason? (optional)"),
        [Optional(), Length(max=MAX_COMMENT, message=_l("At most %(max)d characters."))],
        filters=[strip],
    )
    next = HiddenField()  # the page the card sat on, for the answer without JavaScript

    def validate_score(self, field):
        """0–10, as the service checks it again when it stores the answer."""
        try:
            parse_score(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error


class DismissForm(FlaskForm):
    next = HiddenField()
