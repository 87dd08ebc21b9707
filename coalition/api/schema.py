"""The OpenAPI schema: every operation documents the errors it can answer with, in their one shape."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, throttled, …")
    detail = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input: the messages per field.",
    )
    retry_after = serializers.IntegerField(required=False, help_text="Throttled: seconds to wait.")


ERRORS = {
    "400": "The request is not valid (a query parameter or a field); `fields` says which.",
    "401": "The API key is not valid, or it was revoked (or a key is required and none was given).",
    "403": "Not allowed (for example a signature without a key from a browser that failed the CSRF check).",
    "404": "Not found, or not yours: another organization's objects are never revealed.",
    "406": "The Accept header asks for something other than JSON.",
    "429": "Too many requests: wait `retry_after` seconds (also in the Retry-After header).",
}
BODY_ERRORS = {
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
}


class CoalitionAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_ERRORS)
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code, direction=direction
                )
        return responses


def only_public_api(endpoints):
    """The schema describes /api/v1/ only (not Wagtail's own admin API, which is for its admin)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
