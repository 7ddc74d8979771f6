"""The review form, and the reason a moderator gives for hiding a review."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from portal.core.errors import DomainError
from portal.core.forms import Pictures, Required, strip
from portal.reviews.models import MAX_PHOTOS, MAX_TEXT
from portal.reviews.services import checked_stars


class ReviewForm(FlaskForm):
    stars = RadioField(
        _l("Your rating"),
        [Required(_l("Give one to five stars."))],
        choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        validate_choice=False,  # validate_stars: the service's rule, said with the other errors
    )
    text = TextAreaField(
        _l("What was it like?"),
        [Optional(), Length(max=MAX_TEXT)],
        filters=[strip],
        description=_l("Freshness, taste, packing, size — what would help a neighbour decide."),
    )
    photos = MultipleFileField(
        _l("Photos (optional)"),
        [Pictures(MAX_PHOTOS, name=_l("Review photos"))],
        description=_l("Up to %(n)s pictures (JPEG, PNG or WebP).", n=MAX_PHOTOS),
    )

    def validate_stars(self, field):
        """1–5, as write_review checks it again."""
        try:
            checked_stars(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error


class HideForm(FlaskForm):
    reason = StringField(
        _l("Why is it hidden?"),
        [Required(_l("Say why the review is hidden.")), Length(max=300)],
        filters=[strip],
    )
