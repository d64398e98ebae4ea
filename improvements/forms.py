"""Forms for the staff and manager pages, rendered with crispy-forms-gds."""

from __future__ import annotations

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fieldset, Layout, Size
from django import forms

from .evidence import ALLOWED, validate_evidence_file
from .models import Action, Priority, ReminderPreference, Status
from .selectors import force_members
from .workflow import MANAGER, MANAGER_NOT_OWNER, available_moves

# dd/mm/yyyy as people write it (ISO accepted too: en-GB's DATE_INPUT_FORMATS), not the
# browser's date picker, which shows mm/dd/yyyy in some locales.
DATE_WIDGET = forms.DateInput(
    format="%d/%m/%Y",
    attrs={
        "class": "govuk-input govuk-input--width-10",
        "inputmode": "numeric",
        "placeholder": "dd/mm/yyyy",
    },
)


def _clashing_names(queryset) -> set[str]:
    from collections import Counter

    names = Counter(
        (first + " " + last).strip().lower()
        for first, last in queryset.values_list("first_name", "last_name")
    )
    return {name for name, n in names.items() if n > 1 and name}


def _person_choice(obj, clashes: set[str]) -> str:
    name = obj.get_full_name() or obj.get_username()
    if name.lower() in clashes:
        return f"{name} ({obj.email or obj.get_username()})"
    return name


class UserChoiceField(forms.ModelChoiceField):
    """A person by name; where two share a name, their email tells them apart."""

    def label_from_instance(self, obj):
        if not hasattr(self, "_clashes"):
            self._clashes = _clashing_names(self.queryset)
        return _person_choice(obj, self._clashes)


def _helper(action_url: str, *layout, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_action = action_url
    helper.form_method = "post"
    helper.layout = Layout(*layout, Button("submit", submit))
    return helper


class StatusChoiceField(forms.ChoiceField):
    """Offers the moves open to the user, but accepts any status so that the workflow
    service, not a generic "not a valid choice", explains a refused move."""

    def valid_value(self, value):
        return value in Status.values


class ProgressForm(forms.Form):
    text = forms.CharField(
        label="What has been done?",
        help_text="Say what changed since the last update, and what happens next.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what has been done"},
        max_length=10000,
    )
    status = StatusChoiceField(label="Change the status", required=False, widget=forms.RadioSelect)
    evidence_file = forms.FileField(
        label="Attach a file (optional)",
        required=False,
        help_text="Up to 20 MB: " + ", ".join(sorted(set(ALLOWED.values()))) + ".",
    )
    evidence_link = forms.URLField(
        label="Or link to evidence (optional)",
        required=False,
        assume_scheme="https",
        max_length=1000,
        help_text="For example a document on the force intranet.",
    )
    evidence_description = forms.CharField(
        label="Describe the evidence (optional)", required=False, max_length=500
    )
    no_evidence_reason = forms.CharField(
        label="No evidence applies? Say why",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when marking the action complete without evidence. The signer sees it.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, user, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        moves = [m for m in available_moves(user, action) if not m.needs_reason]
        moves = [m for m in moves if m.who not in (MANAGER_NOT_OWNER,)]
        self.fields["status"].choices = [
            ("", f"Keep as “{action.get_status_display()}”"),
            *[(m.target, Status(m.target).label) for m in moves],
        ]
        self.fields["version"].initial = action.version
        self.helper = _helper(
            action_url,
            Field.textarea("text", label_size=Size.MEDIUM, rows=5),
            Field.radios("status", legend_size=Size.SMALL, small=True),
            Fieldset(
                Field("evidence_file"),
                Field.text("evidence_link"),
                Field.text("evidence_description"),
                Field.textarea("no_evidence_reason", rows=2),
                legend="Evidence",
                legend_size=Size.SMALL,
            ),
            Field("version"),
            submit="Add update",
        )
        self.helper.attrs = {"novalidate": ""}

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            self.evidence_content_type = validate_evidence_file(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("evidence_file") and cleaned.get("evidence_link"):
            self.add_error("evidence_link", "Attach a file or give a link, not both")
        return cleaned


class DecisionForm(forms.Form):
    """A manager's decision: sign off, return, cancel or supersede."""

    decision = StatusChoiceField(
        label="Decision",
        error_messages={"required": "Select a decision"},
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to return, cancel or supersede. It is kept in the progress log.",
        max_length=5000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, user, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        moves = [m for m in available_moves(user, action) if m.who in (MANAGER, MANAGER_NOT_OWNER)]
        self.fields["decision"].choices = [(m.target, m.label) for m in moves]
        self.fields["version"].initial = action.version
        self.helper = _helper(
            action_url,
            Field.radios("decision", legend_size=Size.MEDIUM, small=True),
            Field.textarea("reason", rows=3),
            Field("version"),
            submit="Record decision",
        )

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["decision"].choices)


class AssignForm(forms.Form):
    owner = UserChoiceField(queryset=None, label="Owner", empty_label=None)
    lead = UserChoiceField(
        queryset=None, label="Lead (accountable officer)", required=False, empty_label="No lead"
    )
    due_date = forms.DateField(label="Due date", widget=DATE_WIDGET)
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the due date moves. It is kept in the action's history.",
        max_length=1000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, action_url: str = "", **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "owner": action.owner_id,
                "lead": action.lead_id,
                "due_date": action.due_date,
                "version": action.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.action = action
        members = force_members(action.finding.inspection.force)
        self.fields["owner"].queryset = members
        self.fields["lead"].queryset = members
        self.helper = _helper(
            action_url,
            Field.select("owner"),
            Field.select("lead"),
            Field("due_date"),
            Field.textarea("reason", rows=2),
            Field("version"),
            submit="Save changes",
        )

    def clean(self):
        cleaned = super().clean()
        due = cleaned.get("due_date")
        if due and due != self.action.due_date and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for moving the due date")
        return cleaned


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if not hasattr(self, "_clashes"):
            self._clashes = _clashing_names(self.queryset)
        return _person_choice(obj, self._clashes)


class ActionCreateForm(forms.ModelForm):
    owner = UserChoiceField(queryset=None, label="Owner", empty_label="Choose an owner")
    lead = UserChoiceField(
        queryset=None, label="Lead (accountable officer)", required=False, empty_label="No lead"
    )
    contributors = UsersChoiceField(
        queryset=None,
        required=False,
        label="Contributors (optional)",
        help_text="People who help and may log progress too.",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Action
        fields = ["title", "description", "owner", "lead", "due_date", "priority"]
        widgets = {
            "due_date": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
            "priority": forms.RadioSelect,
        }
        error_messages = {
            "title": {"required": "Enter a title for the action"},
            "due_date": {"required": "Enter a due date"},
        }

    def __init__(self, *args, finding, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        members = force_members(finding.inspection.force)
        self.fields["owner"].queryset = members
        self.fields["lead"].queryset = members
        self.fields["contributors"].queryset = members
        self.fields["owner"].error_messages["required"] = "Choose an owner"
        self.fields["priority"].choices = Priority.choices
        self.helper = _helper(
            action_url,
            Field.text("title"),
            Field.textarea("description", rows=4),
            Field.select("owner"),
            Field.select("lead"),
            Field.checkboxes("contributors", small=True, legend_size=Size.SMALL),
            Field("due_date"),
            Field.radios("priority", small=True, inline=True, legend_size=Size.SMALL),
            HTML(""),
            submit="Add action",
        )


class ReminderPreferenceForm(forms.ModelForm):
    opt_out = forms.TypedChoiceField(
        label="Which reminders do you want?",
        choices=[
            (False, "All reminders: before due dates, overdue, no update for 30 days"),
            (True, "Only mandatory reminders: overdue actions and follow-up reviews"),
        ],
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
    )

    events = forms.MultipleChoiceField(
        label="Which emails do you want when something happens?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "You always get an email when an action of yours is returned, and when the "
            "inspectorate decides on one of your force's findings."
        ),
    )
    followed_forces = forms.ModelMultipleChoiceField(
        label="Forces whose submissions to the inspectorate you hear of",
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ReminderPreference
        fields = ["opt_out"]

    def __init__(self, *args, inspector: bool = False, **kwargs):
        from inspections.models import Force

        from .models import MANDATORY_EVENTS, NotificationEvent

        super().__init__(*args, **kwargs)
        optional = [(e.value, e.label) for e in NotificationEvent if e not in MANDATORY_EVENTS]
        self.fields["events"].choices = optional
        muted = set(self.instance.muted_events or [])
        self.fields["events"].initial = [value for value, _ in optional if value not in muted]
        layout = [
            Field.radios("opt_out", legend_size=Size.MEDIUM),
            Field.checkboxes("events", legend_size=Size.MEDIUM),
        ]
        if inspector:
            self.fields["followed_forces"].queryset = Force.objects.order_by("name")
            if self.instance.pk:
                self.fields["followed_forces"].initial = list(
                    self.instance.followed_forces.values_list("pk", flat=True)
                )
            layout.append(Field.checkboxes("followed_forces", legend_size=Size.MEDIUM))
        else:
            del self.fields["followed_forces"]
        self.helper = FormHelper()
        self.helper.layout = Layout(*layout, Button("submit", "Save preferences"))

    def save(self, commit=True):
        preference = super().save(commit=False)
        wanted = set(self.cleaned_data.get("events") or [])
        preference.muted_events = sorted(
            value for value, _ in self.fields["events"].choices if value not in wanted
        )
        preference.save()
        if "followed_forces" in self.fields:
            preference.followed_forces.set(self.cleaned_data["followed_forces"])
        return preference


# --- The plan page: an action for every finding in one submission -------------------------


class OnePersonField(forms.CharField):
    """A person by name, as the owner filters take it (``PeopleDirectory``), but exactly
    one."""

    def __init__(self, *args, directory=None, **kwargs):
        self.directory = directory
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        found = self.directory.matching(text)
        if not found:
            raise forms.ValidationError(f"No one here is called “{text}”.", code="no_match")
        if len(found) > 1:
            raise forms.ValidationError(
                f"More than one person matches “{text}”: choose one from the list, "
                "or give their username.",
                code="ambiguous",
            )
        return found[0]


class PlanRowForm(forms.Form):
    """One finding's new action. A row left blank is skipped; a row begun must be whole."""

    title = forms.CharField(label="Action", max_length=300, required=False)
    owner = OnePersonField(label="Owner", required=False)
    lead = OnePersonField(label="Lead", required=False)
    due_date = forms.DateField(label="Due date", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, directory, suggested_due=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "lead"):
            self.fields[name].directory = directory
        self.suggested_due = suggested_due
        if suggested_due:
            self.fields["due_date"].initial = suggested_due

    def has_changed(self):
        """Begun: an action, an owner or a lead typed (the due date may be the one
        suggested, so it alone does not begin a row)."""
        return any(
            self.data.get(self.add_prefix(name), "").strip() for name in ("title", "owner", "lead")
        )

    def clean(self):
        data = super().clean()
        if not self.has_changed():
            return data
        for name, message in (
            ("title", "Enter the action"),
            ("owner", "Enter the owner"),
            ("due_date", "Enter a due date"),
        ):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data


class BulkChangeForm(forms.Form):
    """Change many actions at once: a new owner, a new lead, a new due date (with a
    reason), or any of them."""

    action = forms.Field(required=False, widget=forms.MultipleHiddenInput)  # the chosen ids
    owner = OnePersonField(label="New owner", required=False)
    lead = OnePersonField(label="New lead", required=False)
    due_date = forms.DateField(label="New due date", required=False, widget=DATE_WIDGET)
    reason = forms.CharField(label="Reason", required=False, max_length=500)

    def __init__(self, *args, directory, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("owner", "lead"):
            self.fields[name].directory = directory

    def clean_action(self):
        # The ids are checked against what the user manages when the actions are read.
        chosen = self.cleaned_data.get("action") or []
        return [int(v) for v in chosen if re.fullmatch(r"[0-9]{1,18}", str(v))]

    def clean(self):
        data = super().clean()
        if not data.get("action"):
            self.add_error("action", "Choose at least one action")
        if not any(data.get(name) for name in ("owner", "lead", "due_date")) and not self.errors:
            self.add_error("owner", "Give a new owner, a new lead or a new due date")
        if data.get("due_date") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for moving the due date")
        return data


TRACKER_MAX_BYTES = 10 * 1024 * 1024


class TrackerUploadForm(forms.Form):
    """The import page's first step: the force's own tracker, to preview."""

    file = forms.FileField(
        label="Your tracker",
        help_text=(
            "An Excel workbook (.xlsx) or a CSV file with a header row: reference or finding, "
            "action, owner, due date, and optionally lead, status, latest update and update "
            "date. RAG is worked out here, not imported."
        ),
    )
    skip_unmatched = forms.BooleanField(
        required=False,
        label="Leave out rows that match no finding of this inspection",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"enctype": "multipart/form-data", "novalidate": ""}
        self.helper.layout = Layout(
            Field("file"), Field("skip_unmatched"), Button("submit", "Preview the import")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv")):
            raise forms.ValidationError("The tracker must be an .xlsx or a .csv file")
        if upload.size > TRACKER_MAX_BYTES:
            raise forms.ValidationError("The tracker must be smaller than 10 MB")
        return upload


class ActionEditForm(forms.Form):
    """A manager's edit of what the action is (``services.action_edit``)."""

    title = forms.CharField(
        max_length=300, error_messages={"required": "Enter a title for the action"}
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    priority = forms.ChoiceField(choices=Priority.choices, widget=forms.RadioSelect)
    contributors = UsersChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, action_url: str = "", **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": action.title,
                "description": action.description,
                "priority": action.priority,
                "contributors": list(action.contributors.all()),
                "version": action.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["contributors"].queryset = force_members(action.finding.inspection.force)
        self.helper = _helper(
            action_url,
            Field.text("title"),
            Field.textarea("description", rows=4),
            Field.radios("priority", small=True, inline=True, legend_size=Size.SMALL),
            Field.checkboxes("contributors", small=True, legend_size=Size.SMALL),
            Field("version"),
            submit="Save the action",
        )


class ExtensionRequestForm(forms.Form):
    """The owner's request for more time."""

    due_date = forms.DateField(
        label="The date you need",
        widget=DATE_WIDGET,
        error_messages={"required": "Enter the date you need"},
    )
    reason = forms.CharField(
        label="Why more time is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why more time is needed"},
    )

    def __init__(self, *args, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            action_url,
            Field("due_date"),
            Field.textarea("reason", rows=3),
            submit="Ask for more time",
        )


class ExtensionDecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[("approve", "Approve the new date"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or refuse"},
    )
    note = forms.CharField(
        label="Reason (needed to refuse)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            action_url,
            Field.radios("verdict", small=True, legend_size=Size.SMALL),
            Field.textarea("note", rows=2),
            submit="Decide",
        )
