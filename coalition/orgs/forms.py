"""Forms for the partner portal. They validate input; the services do the writing."""

import contextlib
import io
import logging

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from PIL import Image, ImageFile, ImageOps

from coalition.core.validators import validate_multiline, validate_single_line

from .models import Invitation, Membership, Organization
from .services import invitation_accept_new_account

logger = logging.getLogger(__name__)

LOGO_MAX_BYTES = 2 * 1024 * 1024
# Decoding cost grows with pixels, not bytes: a 2 MB PNG can hold a gigapixel of one colour.
LOGO_MAX_PIXELS = 4000 * 4000
LOGO_SIZE = (512, 512)
# Only these decoders ever see an upload (Image.open(formats=...)): no SVG, EPS, PSD, TIFF...
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@contextlib.contextmanager
def _strict_decoding():
    """A truncated upload is not an image, whatever the process set: WeasyPrint, once imported
    (to build a PDF), tells Pillow to load truncated images, for every caller in the process."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def logo_reencode(upload) -> ContentFile:
    """Decode an uploaded PNG, JPEG or WebP and return a fresh PNG of its pixels only.

    The bytes people upload never reach storage: the image is decoded by one of three
    decoders, turned upright, shrunk to fit 512×512 and encoded again, which drops EXIF
    (GPS, camera serials), text chunks, colour profiles and anything appended to the file.
    """
    not_an_image = ValidationError(
        _("Upload a PNG, JPEG or WebP image. Other formats (SVG included) are not accepted."),
        code="logo_format",
    )
    try:
        upload.seek(0)
        with _strict_decoding(), Image.open(upload, formats=LOGO_FORMATS) as image:
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise ValidationError(
                    _("This image has too many pixels: use one of at most 4000 × 4000."), code="logo_pixels"
                )
            image.load()
            image = ImageOps.exif_transpose(image)
            mode = "RGBA" if image.has_transparency_data else "RGB"
            image = image.convert(mode)
            image.thumbnail(LOGO_SIZE, Image.Resampling.LANCZOS)
            # A new image from raw pixels carries no metadata from the upload.
            clean = Image.frombytes(mode, image.size, image.tobytes())
    except ValidationError:
        raise
    except Exception as error:
        # Decoders fail on hostile bytes in many ways (OSError, ValueError, SyntaxError,
        # DecompressionBombError, struct.error...): every one of them means "not an image".
        logger.info("Refused a logo upload that did not decode: %s", type(error).__name__)
        raise not_an_image from error
    buffer = io.BytesIO()
    clean.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="logo.png")


class AccessibleFormMixin:
    """Plain labels; Django 5.2 links help texts and errors to their inputs with aria-describedby
    (ids "<field id>_helptext" and "<field id>_error", which templates/includes/field.html keeps)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OrganizationProfileForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_single_line])
    website = forms.URLField(
        label=_("Website"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_("The full address, starting with https://"),
    )
    country = CountryField(blank=True).formfield(label=_("Country"), required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_multiline],
        help_text=_("Up to 2,000 characters. Shown on the letters your organization signs."),
    )
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor login for every member"),
        required=False,
        help_text=Organization._meta.get_field("require_two_factor").help_text,
    )
    asks_signer_consent = forms.BooleanField(
        label=_("Ask signers for permission to contact them"),
        required=False,
        help_text=Organization._meta.get_field("asks_signer_consent").help_text,
    )
    logo = forms.FileField(
        label=_("New logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_("PNG, JPEG or WebP, up to 2 MB. We resize it to fit 512 × 512 pixels and remove its metadata."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    PROFILE_FIELDS = ("name", "website", "country", "description", "require_two_factor", "asks_signer_consent")

    @classmethod
    def for_organization(cls, organization: Organization, **kwargs):
        initial = {field: getattr(organization, field) for field in cls.PROFILE_FIELDS}
        initial["country"] = organization.country.code or ""
        return cls(initial=initial, **kwargs)

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        # The size first: nothing of a file that is too big is decoded.
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(_("This file is larger than 2 MB: upload a smaller image."), code="logo_size")
        return logo_reencode(upload)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("logo") and cleaned.get("remove_logo"):
            self.add_error("remove_logo", _("Either upload a new logo or remove the current one, not both."))
        return cleaned

    def profile_changes(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.PROFILE_FIELDS}


class InvitationCreateForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class InvitationAccountForm(AccessibleFormMixin, forms.Form):
    """A new person's account, created when they accept an invitation to their address."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password, and not like your name or address."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            candidate = get_user_model()(
                email=self.email,
                username=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, *, request, invitation: Invitation):
        return invitation_accept_new_account(
            invitation=invitation,
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data.get("last_name", ""),
            password=self.cleaned_data["password1"],
            request=request,
        )
