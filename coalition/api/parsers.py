"""Request bodies: JSON only, a few kilobytes at most, strict JSON (no NaN), valid UTF-8."""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class LimitedJSONParser(JSONParser):
    """Reads at most COALITION_API_MAX_BODY_BYTES (+1 to know it was more) whatever Content-Length says."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.COALITION_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            if declared and int(declared) > limit:
                raise RequestTooLarge(_("The request body is larger than %(n)s bytes.") % {"n": limit})
        except ValueError:
            raise ParseError(_("The Content-Length header is not a number.")) from None
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(_("The request body is larger than %(n)s bytes.") % {"n": limit})
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": str(error)[:200]}) from None
