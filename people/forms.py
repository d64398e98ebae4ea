"""The team pages' forms (crispy-forms-gds)."""

from __future__ import annotations

import csv
import io

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from inspections.models import Membership

from . import services
from .services import Invitee, clean_email

ROLE_HINT = (
    "Staff own and update actions. Managers also assign, chase and sign off. Force "
    "administrators also manage the force's people."
)
BULK_MAX_ROWS = 500


def _helper(*fields, submit: str, multipart: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    if multipart:
        helper.attrs = {"enctype": "multipart/form-data"}
    helper.layout = Layout(*fields, Button("submit", submit))
    return helper


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.CharField(label="Email address", max_length=254)
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.STAFF,
        widget=forms.RadioSelect,
        help_text=ROLE_HINT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("first_name", field_width=20),
            Field.text("last_name", field_width=20),
            Field.text("email", field_width=30),
            Field.radios("role", legend_size=Size.SMALL),
            submit="Send the invitation",
        )

    def clean_email(self):
        return clean_email(self.cleaned_data["email"])

    def invitee(self) -> Invitee:
        data = self.cleaned_data
        return Invitee(
            email=data["email"],
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            role=data["role"],
        )


class BulkInviteForm(forms.Form):
    file = forms.FileField(
        label="A CSV file of name, email, role",
        help_text=(
            "One person a row; a header row is optional. Role is staff, manager or "
            "administrator (staff if blank). Nobody is invited while any row has a problem."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field("file"), submit="Invite everyone", multipart=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise ValidationError("The file must be smaller than 1 MB")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        if "\x00" in text:
            raise ValidationError("The file is not a CSV file")
        rows = list(csv.reader(io.StringIO(text)))
        invitees, problems = [], []
        for number, cells in enumerate(rows, start=1):
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if (
                number == 1
                and "@" not in ",".join(cells)
                and cells[0].lower() in ("name", "full name")
            ):
                continue  # the header
            if len(cells) < 2:
                problems.append(f"Row {number}: give a name and an email address")
                continue
            name, email, role = (cells + [""])[:3]
            first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
            # Checked, every row at once, by ``services.invite_many``.
            invitees.append(
                (
                    number,
                    services.Invitee(
                        email=email,
                        first_name=first if last else name,
                        last_name=last,
                        role=role or Membership.Role.STAFF,
                    ),
                )
            )
        if problems:
            raise ValidationError(problems)
        if not invitees:
            raise ValidationError("The file has no one in it")
        if len(invitees) > BULK_MAX_ROWS:
            raise ValidationError(f"Invite at most {BULK_MAX_ROWS} people at a time")
        return invitees


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=Membership.Role.choices, widget=forms.RadioSelect, help_text=ROLE_HINT
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.radios("role", legend_size=Size.SMALL), submit="Change role")
