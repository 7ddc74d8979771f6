"""Forms of the staff side of traceability: suppliers, certificates, products, batches, and
recording a step of a batch's journey.

Each form reports every error at once: the domain's own checks (catalogue.py) run as WTForms
inline validators beside the field checks, so a refused form comes back with all its errors.
"""

import hashlib

from flask import request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
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
from portal.core.errors import DomainError
from portal.core.forms import Required, strip
from portal.core.inputs import DB_INT_MAX, database_int
from portal.core.localtime import from_wall_clock
from portal.core.uploads import delete_upload, save_image, upload_root
from portal.trace import catalogue
from portal.trace.models import BIZ_STEP_LABELS, SUPPLIER_KIND_LABELS, BizStep

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_ATTACHMENTS = 4
AT_A_PICKUP_POINT = (BizStep.RECEIVING, BizStep.STORING)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _domain_check(check, *args) -> None:
    """Run a catalogue check as a WTForms validator."""
    try:
        check(*args)
    except DomainError as error:
        raise ValidationError(str(error.message)) from error


class SupplierForm(FlaskForm):
    name = StringField(lazy_pgettext("supplier", "Name"), [Required(), Length(max=80)], filters=[strip])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, label) for k, label in SUPPLIER_KIND_LABELS.items()]
    )
    region = StringField(
        _l("Where it is"),
        [Optional(), Length(max=120)],
        filters=[strip],
        description=_l("Shown on the trace page, for example 江苏 无锡 阳山镇"),
    )
    description = TextAreaField(_l("About the supplier"), [Optional(), Length(max=1000)], filters=[strip])
    contact_name = StringField(_l("Contact person"), [Optional(), Length(max=40)], filters=[strip])
    contact_phone = StringField(
        _l("Contact phone"),
        [Optional(), Length(max=20), Regexp(r"^[0-9+\- ]+$", message=_l("Digits, spaces, + and - only."))],
        filters=[strip],
        description=_l("Staff only; never on the public trace page."),
    )
    contact_member_phone = StringField(
        _l("Contact member's mobile number (optional)"),
        [Optional(), Regexp(r"^1\d{10}$", message=_l("Enter an 11-digit mobile number."))],
        filters=[strip],
        description=_l(
            "A member of the community who speaks for the supplier; they may record its batches' steps."
        ),
    )
    no_contact_member = BooleanField(_l("No contact member"))
    leaders = MultiCheckboxField(
        _l("Leaders who may use this supplier"), coerce=database_int, validate_choice=True
    )


class CertificateForm(FlaskForm):
    title = StringField(
        _l("Certificate"),
        [Required(), Length(max=80)],
        filters=[strip],
        description=_l("For example 营业执照, 绿色食品证书, 农残检测报告"),
    )
    valid_until = DateField(_l("Valid until (optional)"), [Optional()])
    picture = FileField(_l("Picture"), description=_l("A photo or scan: JPEG, PNG or WebP."))

    stored_path: str | None = None

    def validate(self, extra_validators=None) -> bool:
        """The fields, and the picture decoded and stored (`discard_upload()` when refused)."""
        valid = super().validate(extra_validators)
        try:
            self.stored_path = save_image(self.picture.data, "trace")
        except DomainError as error:
            self.picture.errors = [str(error.message)]
            valid = False
        if not valid:
            self.discard_upload()
        return valid

    def discard_upload(self) -> None:
        delete_upload(self.stored_path)
        self.stored_path = None


class ProductForm(FlaskForm):
    name = StringField(lazy_pgettext("product", "Name"), [Required(), Length(max=80)], filters=[strip])
    unit = StringField(
        _l("Unit"),
        [Required(), Length(max=16)],
        filters=[strip],
        default="箱",
        description=_l("For example 斤, 箱, 份, 袋"),
    )
    gtin = StringField(
        _l("GTIN (optional)"),
        [Optional(), Length(max=20)],
        filters=[strip],
        description=_l(
            "The barcode number the supplier has for it (8–14 digits). Empty: the portal assigns one."
        ),
    )

    def validate_gtin(self, field):
        if field.data:
            _domain_check(catalogue.normal_gtin, field.data)


class ProductEditForm(ProductForm):
    gtin = None  # fixed once the product exists: it is printed in the batches' QR codes


class BatchForm(FlaskForm):
    lot = StringField(
        _l("Lot code"),
        [Required(), Length(max=20)],
        filters=[strip],
        description=_l("1–20 letters, digits, - . or _ — for example YS20260712A"),
    )
    produced_on = DateField(_l("Harvest or production date"), [Optional()])
    best_before = DateField(_l("Best before"), [Optional()])
    quantity = IntegerField(_l("Quantity (optional)"), [Optional(), NumberRange(min=1, max=DB_INT_MAX)])

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product

    def validate_lot(self, field):
        if field.data and self.product is not None:
            _domain_check(catalogue.check_lot, self.product, field.data)

    def validate_best_before(self, field):
        if field.data and self.produced_on.data:
            _domain_check(catalogue.check_dates, self.produced_on.data, field.data)

    def batch_input(self) -> catalogue.BatchInput:
        return catalogue.BatchInput(
            lot=self.lot.data,
            produced_on=self.produced_on.data,
            best_before=self.best_before.data,
            quantity=self.quantity.data,
        )


class StepForm(FlaskForm):
    """One step of a batch's journey. The pictures are stored while the form is validated (they
    have to be decoded to be checked); `discard_uploads()` removes them when it is refused."""

    biz_step = SelectField(_l("What happened"))
    event_time = DateTimeLocalField(_l("When"), [Required(_l("When did it happen?"))], format=LOCAL_FORMATS)
    pickup_point = SelectField(
        _l("At a pickup point (optional)"),
        coerce=database_int,
        default=0,
        description=_l("For receiving or storing at one of the community's pickup points."),
    )
    where = StringField(
        _l("Where"),
        [Length(max=120)],  # no Optional(): it would skip validate_where
        filters=[strip],
        description=_l("For example 阳山 3 号果园 or 冷链车 苏A·12345"),
    )
    notes = TextAreaField(_l("Notes (optional)"), [Optional(), Length(max=1000)], filters=[strip])
    quantity = IntegerField(_l("Quantity (optional)"), [Optional(), NumberRange(min=1, max=DB_INT_MAX)])
    attachments = MultipleFileField(
        _l("Photos (optional)"), description=_l("Up to 4 pictures (JPEG, PNG or WebP).")
    )
    corrects = SelectField(_l("Correct an earlier record (optional)"), coerce=database_int, default=0)
    reason = StringField(
        _l("Why the correction"),
        [Length(max=200)],  # no Optional(): it would skip validate_reason
        filters=[strip],
        description=_l("Required when correcting: the earlier record stays, this one says what was wrong."),
    )

    def __init__(self, *args, points=(), records=(), **kwargs):
        super().__init__(*args, **kwargs)
        # in the request's language: a label joined to its icon is no longer a lazy text
        self.biz_step.choices = [SelectChoice(s.value, f"{s.icon} {s.label}") for s in BIZ_STEP_LABELS]
        self.pickup_point.choices = [SelectChoice(0, "—")] + [SelectChoice(p.id, p.name) for p in points]
        self.corrects.choices = [SelectChoice(0, "—")] + [
            SelectChoice(r.seq, f"#{r.seq} {r.icon} {r.label}") for r in records
        ]
        self.points = {p.id: p for p in points}
        self.stored: list[dict] = []

    def validate_event_time(self, field):
        moment = from_wall_clock(field.data)
        if moment is not None and moment > utcnow():
            raise ValidationError(str(_l("A step cannot happen in the future.")))

    def validate_where(self, field):
        if not field.data and not self.pickup_point.data:
            raise ValidationError(str(_l("Say where it happened.")))

    def validate_pickup_point(self, field):
        if field.data and self.biz_step.data not in AT_A_PICKUP_POINT:
            raise ValidationError(str(_l("Only receiving and storing happen at a pickup point.")))

    def validate_reason(self, field):
        if self.corrects.data and not field.data:
            raise ValidationError(str(_l("Say what was wrong with the record you correct.")))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        uploads = [f for f in request.files.getlist(self.attachments.name) if f and f.filename]
        if len(uploads) > MAX_ATTACHMENTS:
            self.attachments.errors = [str(_l("At most %(n)s photos.", n=MAX_ATTACHMENTS))]
            return False
        try:
            for upload in uploads:
                path = save_image(upload, "trace")
                digest = hashlib.sha256((upload_root() / path).read_bytes()).hexdigest()
                self.stored.append({"path": path, "sha256": digest, "kind": "photo"})
        except DomainError as error:
            self.attachments.errors = [str(error.message)]
            valid = False
        if not valid:
            self.discard_uploads()
        return valid

    def discard_uploads(self) -> None:
        for attachment in self.stored:
            delete_upload(attachment["path"])
        self.stored = []

    @property
    def point(self):
        return self.points.get(self.pickup_point.data) if self.pickup_point.data else None
