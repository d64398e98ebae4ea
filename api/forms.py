from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.conf import settings

from .tokens import expiry_choices


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=50,
        help_text="What the token is for, so you know which to revoke: “Power BI”, say.",
        error_messages={"required": "Enter a name for the token, such as “Power BI”"},
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        widget=forms.RadioSelect,
    )
    read_only = forms.BooleanField(
        label="Read-only: it can read but never log progress",
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(d, f"{d} days") for d in expiry_choices()]
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field.text("name", field_width=20),
            Field.radios("days", legend_size=Size.SMALL, small=True),
            Field.checkbox("read_only", small=True),
            Button("create", "Create token"),
        )
