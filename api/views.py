"""The API's endpoints, under /api/v1/ (docs/architecture.md, "The API").

Every queryset starts from ``for_user``; an object of another force is a 404 exactly as
on the pages (the selectors' ``*_get_for_user_or_404``). The one write, a progress
update, goes through ``services.action_log_progress``, the same workflow as the site.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.exceptions import (
    NotFound,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from improvements import selectors, services
from improvements.boards import selectors as board_selectors
from improvements.boards.filters import board_filter_for
from improvements.models import RAG, Action, Evidence, ProgressUpdate, Status
from improvements.storage import EvidenceCorrupt, open_verified
from improvements.views import evidence_file_response
from improvements.workflow import user_is_participant
from inspections.models import Finding, Force, Inspection

from . import filters, serializers
from .pagination import LogCursorPagination
from .permissions import IsInspector
from .schema import ErrorSerializer

logger = logging.getLogger(__name__)


class ApiMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The API's answers are somebody's data: never kept by a browser or a proxy.
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(
    list=extend_schema(summary="Inspections, with their judgments"),
    retrieve=extend_schema(summary="An inspection, with its judgments"),
)
class InspectionViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.InspectionSerializer
    filterset_class = filters.InspectionFilter

    def get_queryset(self):
        return (
            Inspection.objects.for_user(self.request.user)
            .select_related("force")
            .prefetch_related("judgments")
        )


@extend_schema_view(
    list=extend_schema(summary="Findings: areas for improvement, causes of concern, …"),
    retrieve=extend_schema(summary="A finding"),
)
class FindingViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.FindingSerializer
    filterset_class = filters.FindingFilter

    def get_queryset(self):
        return Finding.objects.for_user(self.request.user).select_related(
            "inspection__force", "judgment"
        )


@extend_schema_view(
    list=extend_schema(summary="Actions, with their RAG as of today"),
    retrieve=extend_schema(summary="An action"),
)
class ActionViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ActionSerializer
    filterset_class = filters.ActionFilter

    def get_queryset(self):
        actions = (
            Action.objects.for_user(self.request.user)
            .with_rag(timezone.localdate())
            .select_related("force", "finding__judgment", "owner", "lead")
        )
        return board_selectors.with_due_date_history(actions)


@extend_schema_view(
    list=extend_schema(summary="Forces (the inspectorate only)"),
    retrieve=extend_schema(summary="A force (the inspectorate only)"),
)
class ForceViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ForceSerializer
    permission_classes = [*viewsets.ReadOnlyModelViewSet.permission_classes, IsInspector]
    filterset_class = None

    def get_queryset(self):
        return Force.objects.for_user(self.request.user)


class ActionUpdatesView(ApiMixin, generics.ListCreateAPIView):
    """An action's progress log (oldest first), and a new entry in it."""

    serializer_class = serializers.ProgressUpdateSerializer
    filterset_class = None
    pagination_class = LogCursorPagination

    def get_action(self) -> Action:
        if not hasattr(self, "_action"):
            self._action = selectors.action_get_for_user_or_404(
                self.request.user, self.kwargs["pk"]
            )
        return self._action

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's look at the view
            return ProgressUpdate.objects.none()
        action = self.get_action()
        evidence = Evidence.objects.order_by("pk")
        return (
            ProgressUpdate.objects.filter(action=action)
            .select_related("author")
            .prefetch_related(Prefetch("evidence", queryset=evidence))
        )

    def get_serializer_class(self):
        if self.request.method == "POST":
            return serializers.ProgressUpdateCreateSerializer
        return serializers.ProgressUpdateSerializer

    @extend_schema(summary="An action's progress log, oldest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Log progress, optionally moving the status and linking evidence",
        request=serializers.ProgressUpdateCreateSerializer,
        responses={201: serializers.ProgressUpdateSerializer},
    )
    def post(self, request, *args, **kwargs):
        action = self.get_action()
        if not user_is_participant(request.user, action):
            raise PermissionDenied(
                "Only the owner, a contributor or a manager can update this action."
            )
        if request.content_type.startswith("multipart/"):
            # The site's middleware may have read a multipart body already, so DRF's
            # parsers alone would not refuse it, and a file in it would be dropped.
            raise UnsupportedMediaType(
                request.content_type,
                "Send JSON: evidence comes through the API as a link, not a file upload.",
            )
        incoming = serializers.ProgressUpdateCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            update = services.action_log_progress(
                action=action,
                by=request.user,
                text=data["text"],
                to_status=data.get("status") or None,
                expected_version=data.get("version"),
                evidence_link=data.get("evidence_link", ""),
                evidence_description=data.get("evidence_description", ""),
                no_evidence_reason=data.get("no_evidence_reason", ""),
            )
        except DjangoValidationError as exc:
            # The site's form has a file field; the API takes evidence as a link.
            if hasattr(exc, "error_dict") and "evidence_file" in exc.error_dict:
                exc.error_dict["evidence_link"] = exc.error_dict.pop("evidence_file")
            raise
        update = self.get_queryset().get(pk=update.pk)
        context = self.get_serializer_context()
        return Response(
            serializers.ProgressUpdateSerializer(update, context=context).data,
            status=status.HTTP_201_CREATED,
        )


BOARD_PARAMETERS = [
    OpenApiParameter(
        "force",
        OpenApiTypes.STR,
        description="The force's slug. Needed by inspectors, and by managers of several forces.",
    ),
    OpenApiParameter("inspection", OpenApiTypes.INT, description="An inspection's id."),
    OpenApiParameter("question", OpenApiTypes.INT, description="A question's number."),
    OpenApiParameter("owner", OpenApiTypes.STR, description="The owner's name or username."),
    OpenApiParameter("status", OpenApiTypes.STR, many=True, enum=Status.values, explode=True),
    OpenApiParameter("rag", OpenApiTypes.STR, many=True, enum=RAG.values, explode=True),
    OpenApiParameter("due_after", OpenApiTypes.DATE),
    OpenApiParameter("due_before", OpenApiTypes.DATE),
]


class BoardView(ApiMixin, APIView):
    """A force's headline figures and its progress question by question: the same
    numbers as the board page, with the same filters, for the same people (the force's
    managers; inspectors for any force)."""

    @extend_schema(
        summary="A force's board: headline figures and progress by question",
        parameters=BOARD_PARAMETERS,
        responses={200: serializers.BoardSerializer},
    )
    def get(self, request):
        access = board_selectors.board_access(request.user, request.query_params.get("force"))
        if access.force is None:
            slugs = ", ".join(force.slug for force in access.choices)
            raise ValidationError(
                {"force": [f"Name the force with ?force=<slug>{f' ({slugs})' if slugs else ''}."]}
            )
        today = timezone.localdate()
        board_filter = board_filter_for(request.user, access, request.query_params, today)
        if board_filter.is_bound and not board_filter.form.is_valid():
            raise ValidationError(
                {
                    name: [str(e) for e in errors]
                    for name, errors in board_filter.form.errors.items()
                }
            )
        filtered = board_filter.is_bound
        figures = board_selectors.board_figures(
            board_filter.qs, today, force=None if filtered else access.force
        )
        body = {
            "force": access.force,
            "date": today,
            "filters_applied": board_filter.applied,
            "counts": figures.counts,
            "inspections": figures.progress,
        }
        return Response(serializers.BoardSerializer(body).data)


class EvidenceDownloadView(ApiMixin, APIView):
    """An evidence file, after the same access check as the site's download (another
    force's evidence, or a link rather than a file, is a 404), its SHA-256 checked."""

    @extend_schema(
        summary="Download an evidence file",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: OpenApiResponse(ErrorSerializer, description="The stored file fails its check."),
            503: OpenApiResponse(ErrorSerializer, description="The evidence store is unreachable."),
        },
    )
    def get(self, request, pk: int):
        evidence = selectors.evidence_get_for_user_or_404(request.user, pk)
        if not evidence.file:
            raise NotFound("This evidence is a link, not a file: follow its link.")
        try:
            handle = open_verified(evidence.file, evidence.sha256)
        except FileNotFoundError:
            logger.error("evidence %s: file %s is missing from storage", evidence.pk, evidence.file)
            raise NotFound(
                "The file is missing from storage: ask the service to restore it."
            ) from None
        except EvidenceCorrupt:
            logger.error("evidence %s: file %s fails its SHA-256 check", evidence.pk, evidence.file)
            return Response(
                {"detail": "The stored file is not the one uploaded (its SHA-256 differs)."},
                status=status.HTTP_409_CONFLICT,
            )
        return evidence_file_response(evidence, handle)


@csrf_exempt  # it changes nothing, and a POST to a wrong URL is a 404, not a CSRF page
def not_found(request, *args, **kwargs):
    """No such endpoint: a 404 in the API's shape, whoever asks. A path that lacks only
    its final slash says so (no redirect: clients drop the Authorization header on one)."""
    detail = "Not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            detail = f"No such endpoint: did you mean {request.path}/ (with the final slash)?"
    response = JsonResponse({"detail": detail}, status=404)
    response["Cache-Control"] = "private, no-store"
    return response
