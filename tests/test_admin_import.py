"""Admin "Import report": upload, preview with corrections, confirm; permissions; tampering.

The preview is submitted the way a browser would: the tests read the form's fields out of
the rendered page and post them back, changing only what a user would change.
"""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections.admin_import import SIGNING_SALT
from inspections.canonical import inspection_to_canonical
from inspections.models import Finding, FollowUpReview, Force, Inspection, Judgment

from .factories import UserFactory

DATA = Path(settings.BASE_DIR) / "inspections" / "data"
SEED = DATA / "staffordshire-peel-effectiveness-2015.txt"
EXPECTED = json.loads((DATA / "staffordshire-peel-effectiveness-2015.expected.json").read_text())
UPLOAD_URL = "admin:inspections_inspection_import"
CONFIRM_URL = "admin:inspections_inspection_import_confirm"

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The fields one <form id=...> would submit: inputs, checked boxes, selects, textareas."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self.selects: dict[str, list[str]] = {}
        self._select = None
        self._select_first = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "file", "button"):
                self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self.selects[name] = []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self.selects[self._select].append(value)
            if self._select_first is None:
                self._select_first = value
                self.fields.setdefault(self._select, value)
            if "selected" in attrs:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that starts a textarea's content.
            text = "".join(self._text)
            self.fields[self._textarea] = text[1:] if text.startswith("\n") else text
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def preview_form(response):
    parser = FormFields("import_preview_form")
    parser.feed(response.content.decode())
    return parser


def upload(client, content=None, name="staffordshire.txt", force=""):
    content = SEED.read_bytes() if content is None else content
    return client.post(
        reverse(UPLOAD_URL),
        {"report": SimpleUploadedFile(name, content, content_type="text/plain"), "force": force},
    )


def field_for(fields, prefix, suffix, value):
    """The name of the row field in formset ``prefix`` whose ``suffix`` field holds value."""
    for name, current in fields.items():
        if name.startswith(prefix) and name.endswith(suffix) and current == value:
            return name
    raise AssertionError(f"no {prefix}…{suffix} field holds {value!r}")


@pytest.fixture
def inspector_client(client, inspector):
    client.force_login(inspector)
    return client


def test_the_changelist_links_to_the_import(inspector_client):
    response = inspector_client.get(reverse("admin:inspections_inspection_changelist"))
    assert response.status_code == 200
    assert reverse(UPLOAD_URL).encode() in response.content
    assert b"Import report" in response.content


def test_the_upload_page_answers(inspector_client):
    response = inspector_client.get(reverse(UPLOAD_URL))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"Import report" in response.content


def test_upload_preview_correct_and_confirm_saves_what_the_preview_showed(inspector_client):
    response = upload(inspector_client)
    assert response.status_code == 200
    assert Inspection.objects.count() == 0  # nothing saved by the preview
    html = response.content.decode()
    assert "Staffordshire Police" in html and "PEEL 2015" in html and "Effectiveness" in html
    assert "Outstanding, Good, Requires improvement, Inadequate" in html
    assert "The parser found no inconsistencies." in html

    form = preview_form(response)
    fields = form.fields
    grades = sorted(n for n in fields if n.startswith("judgments-") and n.endswith("-grade"))
    assert len(grades) == 4
    assert [fields[n] for n in grades] == [j["grade"] for j in EXPECTED["judgments"]]
    # Grades are limited to the scale (plus "ungraded").
    assert form.selects[grades[0]] == ["", *EXPECTED["grading_scale"]]
    assert fields["inspection-overall_grade"] == "Requires improvement"
    texts = [fields[f"findings-{i}-text"] for i in range(int(fields["findings-INITIAL_FORMS"]))]
    assert texts == [f["text"] for f in EXPECTED["findings"]]
    assert len(texts) == 8
    assert fields["reviews-0-keep"] == "on"

    # Correct one grade and one finding's text, then confirm.
    q3 = field_for(fields, "judgments-", "-grade", "Inadequate")
    fields[q3] = "Requires improvement"
    original = EXPECTED["findings"][1]["text"]
    corrected = original.replace("all available evidence", "all the available evidence")
    fields["findings-1-text"] = corrected
    response = inspector_client.post(reverse(CONFIRM_URL), fields)

    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:inspections_inspection_change", args=[inspection.pk]
    )
    expected = json.loads(json.dumps(EXPECTED))
    expected["judgments"][2]["grade"] = "Requires improvement"
    expected["findings"][1]["text"] = corrected
    assert inspection_to_canonical(inspection) == expected
    assert Judgment.objects.get(number=3).grade == "requires_improvement"

    page = inspector_client.get(response["Location"])
    assert "Imported" in page.content.decode()
    assert LogEntry.objects.filter(object_id=str(inspection.pk)).exists()


def test_findings_can_be_removed_added_and_moved(inspector_client):
    response = upload(inspector_client)
    fields = preview_form(response).fields
    fields["findings-0-DELETE"] = "on"  # the only Q1 finding
    fields["findings-7-question"] = "1"  # the last Q4 finding moves to Q1
    fields["findings-8-kind"] = "cause_of_concern"  # the blank row: a missed finding
    fields["findings-8-question"] = "3"
    fields["findings-8-text"] = "A cause of\nconcern the parser missed."
    del fields["reviews-0-keep"]  # drop the proposed review
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 302

    saved = inspection_to_canonical(Inspection.objects.get())
    source = EXPECTED["findings"]
    assert saved["findings"] == [
        {**source[7], "question": 1},
        *source[1:5],
        {
            "kind": "cause_of_concern",
            "question": 3,
            "text": "A cause of concern the parser missed.",
        },
        *source[5:7],
    ]
    assert saved["follow_up_reviews"] == []
    assert FollowUpReview.objects.count() == 0
    assert Finding.objects.get(text__startswith="A cause of").reference == "Q3-COC-1"


def test_an_unchanged_blank_row_adds_nothing(inspector_client):
    fields = preview_form(upload(inspector_client)).fields
    assert fields["findings-TOTAL_FORMS"] == "9"
    inspector_client.post(reverse(CONFIRM_URL), fields)
    assert Finding.objects.count() == 8
    assert inspection_to_canonical(Inspection.objects.get()) == EXPECTED


def test_invalid_corrections_show_the_preview_again(inspector_client):
    fields = preview_form(upload(inspector_client)).fields
    fields["judgments-0-grade"] = "Adequate"  # not on the 2015 scale
    fields["findings-2-text"] = "   "
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 200
    assert b"Please correct the errors below." in response.content
    assert b"Select a valid choice" in response.content
    assert Inspection.objects.count() == 0
    # The page still carries the corrections and the signed data.
    again = preview_form(response).fields
    assert again["payload"] == fields["payload"]
    assert again["findings-2-text"].strip() == ""
    assert b"This field is required." in response.content


def test_force_name_override(inspector_client, alpha):
    response = upload(inspector_client, force="alpha police")
    html = response.content.decode()
    assert "A force of this name is in the tracker." in html
    assert "The report names “Staffordshire Police”" in html
    fields = preview_form(response).fields
    assert fields["inspection-force"] == "alpha police"
    inspector_client.post(reverse(CONFIRM_URL), fields)
    assert Inspection.objects.get().force == alpha
    assert Force.objects.count() == 1


def test_a_reimport_that_differs_needs_the_update_box(inspector_client):
    fields = preview_form(upload(inspector_client)).fields
    inspector_client.post(reverse(CONFIRM_URL), fields)
    inspection = Inspection.objects.get()

    response = upload(inspector_client)
    assert b"already stored and matches" in response.content
    fields = preview_form(response).fields
    fields["judgments-0-grade"] = "Outstanding"
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert "question 1 grade: &#x27;Good&#x27; → &#x27;Outstanding&#x27;" in html
    assert "Nothing was saved." in html
    assert Judgment.objects.get(number=1).grade == "good"

    fields["inspection-update"] = "on"
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 302
    assert Judgment.objects.get(inspection=inspection, number=1).grade == "outstanding"
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"Minutes of the meeting.\nNothing to see.\n", "not an inspection report"),
        ("scan.pdf", b"%PDF-1.4\nbroken", "not a readable PDF"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("report.docx", b"PK\x03\x04", "neither a PDF nor a text file"),
    ],
)
def test_junk_upload_is_a_form_error_and_saves_nothing(inspector_client, name, content, message):
    response = upload(inspector_client, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors["report"]
    assert Inspection.objects.count() == 0 and Force.objects.count() == 0


def test_an_upload_over_20_mb_is_refused(inspector_client):
    response = upload(inspector_client, b"x" * (20 * 1024 * 1024 + 1))
    assert "the limit is 20.0\xa0MB" in response.content.decode()
    assert Inspection.objects.count() == 0


@pytest.mark.parametrize("url", [UPLOAD_URL, CONFIRM_URL])
def test_staff_without_permission_has_no_access(client, url):
    clerk = UserFactory(username="clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_inspection"))
    client.force_login(clerk)
    assert client.get(reverse(url)).status_code == 403
    assert client.post(reverse(url), {}).status_code == 403
    response = client.get(reverse("admin:inspections_inspection_changelist"))
    assert reverse(UPLOAD_URL).encode() not in response.content


@pytest.mark.parametrize("url", [UPLOAD_URL, CONFIRM_URL])
def test_non_staff_are_sent_to_the_admin_login(client, manager, url):
    client.force_login(manager)
    response = client.get(reverse(url))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_tampered_signed_data_is_refused(inspector_client, inspector):
    fields = preview_form(upload(inspector_client)).fields
    payload = signing.loads(fields["payload"], salt=SIGNING_SALT)

    # An edited payload re-signed with the wrong key.
    payload["data"]["force"] = "Somewhere Else Police"
    forged = signing.dumps(payload, key="not-the-secret", salt=SIGNING_SALT, compress=True)
    response = inspector_client.post(reverse(CONFIRM_URL), {**fields, "payload": forged})
    assert response.status_code == 400
    assert "failed its signature check" in response.content.decode()

    # A changed character in the signed value.
    token = fields["payload"]
    broken = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    response = inspector_client.post(reverse(CONFIRM_URL), {**fields, "payload": broken})
    assert response.status_code == 400
    assert "failed its signature check" in response.content.decode()

    response = inspector_client.post(reverse(CONFIRM_URL), {**fields, "payload": ""})
    assert response.status_code == 400
    assert "missing" in response.content.decode()
    assert Inspection.objects.count() == 0


def test_a_preview_signed_for_another_user_is_refused(client, inspector_client):
    fields = preview_form(upload(inspector_client)).fields
    other = UserFactory(username="inspector2", inspector=True)
    client.force_login(other)
    response = client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 400
    assert "another user" in response.content.decode()
    assert Inspection.objects.count() == 0


def test_rows_added_outside_the_form_are_refused(inspector_client):
    fields = preview_form(upload(inspector_client)).fields
    fields["judgments-TOTAL_FORMS"] = "5"
    fields["judgments-INITIAL_FORMS"] = "5"
    fields["judgments-4-question"] = "An invented question?"
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 400
    assert "does not match the uploaded report" in response.content.decode()
    assert Inspection.objects.count() == 0


def test_removing_a_cause_of_concern_but_not_its_recommendation_is_an_error(
    inspector_client, inspector
):
    """Later reports have causes of concern with recommendations; the link survives edits."""
    from inspections.admin_import import ImportPreview, sign_preview

    data = json.loads(json.dumps(EXPECTED))
    data["findings"] = [
        {"kind": "cause_of_concern", "question": 3, "text": "A concern.", "reference": "Q3-COC-1"},
        {
            "kind": "recommendation",
            "question": 3,
            "text": "Do this immediately.",
            "reference": "Q3-REC-1",
            "parent": "Q3-COC-1",
            "deadline": "immediately",
        },
        *data["findings"],
    ]
    payload = {"data": data, "warnings": ["a warning"], "filename": "x.txt", "user": inspector.pk}
    preview = ImportPreview(payload)
    fields = {"payload": sign_preview(payload)}
    for form in [preview.inspection_form, *preview.judgments, *preview.findings, *preview.reviews]:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    fields[bound.html_name] = "on"
            elif value is not None:
                fields[bound.html_name] = value
    for formset in (preview.judgments, preview.findings, preview.reviews):
        for bound in formset.management_form:
            fields[bound.html_name] = bound.value()

    fields["findings-0-DELETE"] = "on"
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 200
    assert "answers a cause of concern that was removed" in response.content.decode()
    assert Inspection.objects.count() == 0

    # Removing a Q2 finding renumbers nothing in Q3: the link is kept.
    del fields["findings-0-DELETE"]
    fields["findings-3-DELETE"] = "on"
    response = inspector_client.post(reverse(CONFIRM_URL), fields)
    assert response.status_code == 302
    recommendation = Finding.objects.get(kind="recommendation")
    assert recommendation.parent.text == "A concern."
    assert recommendation.deadline == "immediately"
