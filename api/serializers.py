"""What the API shows. Read-only representations of the domain, plus the one write (a
progress update), whose rules are the services' (``improvements.services``), not these
serializers'. Links point to the site's own pages (``url``) and to the evidence download,
which checks access again."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from improvements.boards.selectors import DATED
from improvements.models import RAG, Action, Evidence, ProgressUpdate, Status
from inspections.models import Finding, Force, Inspection, Judgment


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ForceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Force
        fields = ["id", "name", "slug", "kind"]


class JudgmentSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Judgment
        fields = ["id", "number", "label", "question", "grade", "summary"]


class InspectionSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    response_due = serializers.DateField(
        read_only=True, allow_null=True, help_text="The PCC's response is due (56 days)."
    )
    judgments = JudgmentSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "force",
            "programme",
            "pillar",
            "title",
            "grading_scale",
            "fieldwork_start",
            "fieldwork_end",
            "published",
            "response_due",
            "report_url",
            "judgments",
            "url",
        ]

    def get_url(self, inspection) -> str:
        return site_url(reverse("improvements:inspection-detail", args=[inspection.pk]))


class FindingSerializer(serializers.ModelSerializer):
    force = serializers.CharField(source="inspection.force.slug", read_only=True)
    question = serializers.IntegerField(source="judgment.number", read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "force",
            "inspection",
            "question",
            "kind",
            "reference",
            "text",
            "parent",
            "deadline",
            "deadline_date",
            "status",
            "status_reason",
            "status_changed_at",
            "url",
        ]

    def get_url(self, finding) -> str:
        path = reverse("improvements:inspection-detail", args=[finding.inspection_id])
        return site_url(f"{path}?finding={finding.pk}#finding-{finding.pk}")


class ActionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    force = serializers.CharField(source="force.slug", read_only=True)
    inspection = serializers.IntegerField(source="finding.inspection_id", read_only=True)
    finding_reference = serializers.CharField(source="finding.reference", read_only=True)
    question = serializers.IntegerField(source="finding.judgment.number", read_only=True)
    owner = PersonSerializer(read_only=True)
    lead = PersonSerializer(read_only=True, allow_null=True)
    rag = serializers.ChoiceField(
        source="current_rag", choices=RAG.choices, read_only=True, help_text="As of today."
    )
    original_due_date = serializers.DateField(read_only=True)
    times_redated = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "reference",
            "force",
            "inspection",
            "finding",
            "finding_reference",
            "question",
            "title",
            "description",
            "owner",
            "lead",
            "priority",
            "status",
            "rag",
            "due_date",
            "original_due_date",
            "times_redated",
            "completed_at",
            "signed_off_at",
            "last_update_at",
            "created_at",
            "updated_at",
            "version",
            "url",
        ]

    def get_url(self, action) -> str:
        return site_url(action.get_absolute_url())


class EvidenceSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "kind", "name", "link", "description", "size", "sha256", "download_url"]

    @extend_schema_field(serializers.ChoiceField(choices=["file", "link"]))
    def get_kind(self, evidence) -> str:
        return "file" if evidence.file else "link"

    def get_name(self, evidence) -> str:
        return evidence.original_name or evidence.link

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, evidence) -> str | None:
        """A file's download (with the same token, access checked again); None for a link."""
        if not evidence.file:
            return None
        path = reverse("api:evidence-download", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else site_url(path)


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action",
            "created_at",
            "author",
            "text",
            "status_after",
            "rag_after",
            "corrects",
            "imported_from",
            "evidence",
        ]


class ProgressUpdateCreateSerializer(serializers.Serializer):
    """A progress update, as the action page's form takes it. The rules (who may write,
    which moves, evidence or a reason before completion, closed actions) are the
    services'; a refusal is a 400 with the reason."""

    text = serializers.CharField(
        max_length=10_000, help_text="What has been done (for a decision: its reason)."
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        allow_blank=True,
        help_text="Move the action to this status (by the workflow's rules).",
    )
    evidence_link = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    evidence_description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    no_evidence_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Marking complete with no evidence: why none applies.",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text="The action's version you read: a 409 if someone saved since.",
    )


class BoardCountsSerializer(serializers.Serializer):
    """The board's headline figures: the same numbers as the board page."""

    def get_fields(self):
        names = [f"status_{value}" for value in Status.values]
        names += [*DATED, "total", "open", "awaiting_sign_off", "signed_off"]
        names += [f"rag_{value}" for value in RAG.values]
        names += ["green", "owners_with_open"]
        return {name: serializers.IntegerField() for name in names}


class BoardQuestionSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="judgment.number")
    label = serializers.CharField(source="judgment.label")
    grade = serializers.CharField(source="judgment.grade")
    findings = serializers.IntegerField()
    total = serializers.IntegerField()
    signed_off = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    percent_signed_off = serializers.IntegerField()


class BoardInspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="inspection.pk")
    programme = serializers.CharField(source="inspection.programme")
    pillar = serializers.CharField(source="inspection.pillar")
    questions = BoardQuestionSerializer(many=True)


class BoardSerializer(serializers.Serializer):
    force = ForceSerializer()
    date = serializers.DateField(help_text="The day the figures are for.")
    filters_applied = serializers.BooleanField()
    counts = BoardCountsSerializer()
    inspections = BoardInspectionSerializer(many=True)
