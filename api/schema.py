"""The OpenAPI schema (drf-spectacular): every operation also documents the errors it
can answer, in the one shape of ``api.errors``, so that a client (and Schemathesis)
knows every response it may get."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On a 400: each field's problems (``non_field_errors`` for the rest).",
    )

    class Meta:
        ref_name = "Error"


ERRORS = {
    "400": "The request was refused: ``detail`` says why, ``errors`` names each field.",
    "401": "No valid token or session.",
    "403": "Signed in, but not allowed this (a read-only token writing, say).",
    "404": "No such object, or one of another force's.",
    "406": "The Accept header asks for a format the API doesn't give: ask for application/json.",
    "409": "Someone else saved the action first: read it again and retry.",
    "415": "Send JSON (or a form): evidence comes as a link, never a file upload.",
    "429": "Too many requests for this token: wait as Retry-After says.",
    "503": "The evidence store can't be reached just now.",
}
READ_ERRORS = ("400", "401", "403", "404", "406", "429")


class PeelAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ERRORS if self.method == "POST" else READ_ERRORS
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                response["description"] = ERRORS[code]
                responses[code] = response
        return responses
