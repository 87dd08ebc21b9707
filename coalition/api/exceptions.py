"""One shape for every API error.

    {"status": 400, "code": "invalid", "detail": "Some fields are not valid.",
     "fields": {"email": ["Enter a valid email address."]}}

`code` is stable and meant for programs; `detail` is for people. A throttled request also
carries `retry_after` (seconds), as does its Retry-After header.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail if not isinstance(item, (list, dict))] or [
            str(message) for item in detail for message in _flatten(item)
        ]
    if isinstance(detail, dict):
        return [str(message) for value in detail.values() for message in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict:
    """Field errors as {name: [messages]}; nested ones (a list item) under the field's name."""
    return {str(name)[:100]: _flatten(value) for name, value in detail.items()}


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 (and its logging) takes over
    body = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        body["code"] = "invalid"
        if isinstance(detail, dict):
            general = detail.get("non_field_errors")
            fields = {name: value for name, value in detail.items() if name != "non_field_errors"}
            body["detail"] = " ".join(_flatten(general)) if general else _("Some fields are not valid.")
            if fields:
                body["fields"] = _fields(fields)
        else:
            body["detail"] = " ".join(_flatten(detail)) or _("The request is not valid.")
    else:
        detail = getattr(exc, "detail", None)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        body["code"] = codes if isinstance(codes, str) else "error"
        body["detail"] = " ".join(_flatten(detail)) if detail is not None else str(exc)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait) + (exc.wait % 1 > 0)
    response.data = body
    return response


def api_not_found(request, *args, **kwargs):
    """Paths under /api/ that match nothing: the same JSON error as everything else."""
    return JsonResponse(
        {"status": 404, "code": "not_found", "detail": _("There is nothing at this address.")},
        status=status.HTTP_404_NOT_FOUND,
    )
