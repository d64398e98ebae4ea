"""The action list's filters (django-filter): status, RAG, owner, question, due range;
and the person filter the action list and the board share.

The owner filter is a text box, not a list of every person (a large force has
thousands): it takes a name, part of one, a username or "Name (username)", and matches
among the people the page may show. With JavaScript, it suggests names as they are
typed, from ``improvements:people`` (``frontend/app.js``), through a ``<datalist>``.
"""

import re

import django_filters
from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.urls import reverse

from inspections.admin_utils import users_visible_to

from .models import RAG, Status

# dd/mm/yyyy as people write it (ISO accepted too: en-GB's DATE_INPUT_FORMATS), never
# the browser's own date picker, which shows mm/dd/yyyy in some locales.
DATE = forms.DateInput(
    format="%d/%m/%Y",
    attrs={
        "class": "govuk-input govuk-input--width-10",
        "inputmode": "numeric",
        "placeholder": "dd/mm/yyyy",
    },
)
PEOPLE_SUGGESTED = 10
_USERNAME_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")


def person_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


_ID = re.compile(r"[0-9]{1,18}")


def people_matching(people, text: str):
    """People among ``people`` that ``text`` names: an exact username (collar numbers
    are usernames too) or email, else a pk (a link from another page), else the username
    in "Name (username)" as suggested, else whoever has exactly that full name, else
    every person whose name or username contains it. ``PeopleDirectory.matching``
    applies the same rules in Python."""
    text = " ".join(text.split())
    exact_q = Q(username__iexact=text)
    if "@" in text:
        exact_q |= Q(email__iexact=text)
    exact = people.filter(exact_q)
    if exact.exists():
        return exact
    if _ID.fullmatch(text):
        return people.filter(pk=int(text))
    bracketed = _USERNAME_IN_BRACKETS.search(text)
    if bracketed:
        named = people.filter(username__iexact=bracketed.group(1).strip())
        if named.exists():
            return named
    people = people.alias(full_name=Concat("first_name", Value(" "), "last_name"))
    named = people.filter(full_name__iexact=text)
    if named.exists():
        return named
    return people.filter(Q(full_name__icontains=text) | Q(username__icontains=text))


class PeopleDirectory:
    """``people_matching`` for many names at once: the people read in one query, the
    same rules applied to each name in Python (the plan page names two people a row)."""

    def __init__(self, people):
        self.people = people
        self._loaded = None

    def _all(self):
        if self._loaded is None:
            self._loaded = list(
                self.people.only("pk", "username", "email", "first_name", "last_name")
            )
        return self._loaded

    def matching(self, text: str, *, ids: bool = True) -> list:
        """``ids=False`` for names typed by people (an import), where a number is never
        a database id."""
        text = " ".join(text.split())
        people = self._all()
        wanted = text.lower()
        exact = [
            p
            for p in people
            if p.username.lower() == wanted or ("@" in text and p.email.lower() == wanted)
        ]
        if exact:
            return exact
        if ids and _ID.fullmatch(text):
            return [p for p in people if p.pk == int(text)]
        bracketed = _USERNAME_IN_BRACKETS.search(text)
        if bracketed:
            wanted = bracketed.group(1).strip().lower()
            named = [p for p in people if p.username.lower() == wanted]
            if named:
                return named
        named = [p for p in people if f"{p.first_name} {p.last_name}".lower() == wanted]
        if named:
            return named
        return [
            p
            for p in people
            if wanted in f"{p.first_name} {p.last_name}".lower() or wanted in p.username.lower()
        ]


class PersonField(forms.CharField):
    """A person by name; cleans to a queryset of the matching people (or None)."""

    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        matches = people_matching(self.people, text)
        if not matches.exists():
            raise forms.ValidationError(f"No one here is called “{text}”.", code="no_match")
        return matches


class PersonFilter(django_filters.CharFilter):
    field_class = PersonField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value.values("pk")})


def person_widget(element_id: str, people_url: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "class": "govuk-input",
            "id": element_id,
            "autocomplete": "off",
            "spellcheck": "false",
            "list": f"{element_id}-suggestions",
            "data-people-url": people_url,
        }
    )


def set_people(filterset, name: str, people, people_url: str, element_id: str) -> None:
    field = filterset.filters[name]
    field.extra["people"] = people
    field.extra["widget"] = person_widget(element_id, people_url)
    field.extra["help_text"] = "A name or username"


def people_url(force=None) -> str:
    url = reverse("improvements:people")
    return f"{url}?force={force.slug}" if force is not None else url


class ActionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, label="Status"
    )
    rag = django_filters.MultipleChoiceFilter(
        field_name="current_rag",
        choices=RAG.choices,
        widget=forms.CheckboxSelectMultiple,
        label="RAG",
    )
    owner = PersonFilter(label="Owner")
    question = django_filters.ChoiceFilter(
        field_name="finding__judgment__number",
        choices=[],  # the questions of the inspections the user sees (__init__)
        empty_label="Any question",
        label="Question",
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due from", widget=DATE
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due by", widget=DATE
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        set_people(self, "owner", users_visible_to(user), people_url(), "id_owner")
        from inspections.models import Judgment

        numbers = (
            Judgment.objects.for_user(user)
            .exclude(number=0)
            .order_by("number")
            .values_list("number", flat=True)
            .distinct()
        )
        self.filters["question"].extra["choices"] = lambda: [
            (str(n), f"Question {n}") for n in numbers
        ]
