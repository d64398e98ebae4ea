"""The load test (scripts/loadtest.sh runs it, headless, against gunicorn).

Staff sign in as distinct seeded officers (so no two simulated people write to the same
action), read their actions and action pages, and log progress with a small PDF; managers
read their board, the all-actions list and the CSV export. Every page is checked for
what it must say, so an error page counts as a failure, not a quick success.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

PASSWORD = os.environ["LOAD_PASSWORD"]
PEOPLE = Path(os.environ["LOAD_PEOPLE"]).read_text().split()
STAFF = itertools.cycle([p.split(":")[1] for p in PEOPLE if p.startswith("staff:")])
MANAGERS = itertools.cycle([p.split(":")[1] for p in PEOPLE if p.startswith("manager:")])
ACTION_LINK = re.compile(r'href="/actions/(\d+)/"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSRF_COOKIE = os.environ.get("LOAD_CSRF_COOKIE", "peel-csrf")


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def csrf(self) -> str:
        return self.client.cookies.get(CSRF_COOKIE, "")

    def on_start(self):
        self.client.get("/accounts/login/", name="sign in page")
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            headers={"Referer": self.host + "/accounts/login/"},
            name="sign in",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"{self.username} could not sign in")

    def page(self, url: str, name: str, must: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or must not in response.text:
                response.failure(f"{url}: {response.status_code}, no “{must}”")
            return response


class Officer(Person):
    weight = 4

    def on_start(self):
        self.username = next(STAFF)
        super().on_start()
        self.actions = []

    @task(3)
    def my_actions(self):
        response = self.page("/actions/", "/actions/ (mine)", "My actions")
        self.actions = ACTION_LINK.findall(response.text) or self.actions

    @task(3)
    def action_page(self):
        if self.actions:
            pk = random.choice(self.actions)
            self.page(f"/actions/{pk}/", "/actions/[id]/", "Progress log")

    @task(1)
    def log_progress(self):
        if not self.actions:
            return
        pk = random.choice(self.actions)
        page = self.page(f"/actions/{pk}/", "/actions/[id]/", "Progress log")
        version = VERSION.search(page.text)
        if not version:
            return  # closed, or not theirs to update
        with self.client.post(
            f"/actions/{pk}/update/",
            data={
                "text": "Load test: progress logged with a short note.",
                "version": version.group(1),
                "csrfmiddlewaretoken": self.csrf(),
            },
            files={"evidence_file": ("note.pdf", PDF, "application/pdf")},
            headers={"Referer": f"{self.host}/actions/{pk}/"},
            name="/actions/[id]/update/ (POST, with a file)",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"update refused: {response.status_code}")


class Manager(Person):
    weight = 1

    def on_start(self):
        self.username = next(MANAGERS)
        super().on_start()

    @task(3)
    def board(self):
        self.page("/board/", "/board/", "Overdue")

    @task(2)
    def all_actions(self):
        self.page("/actions/?scope=all", "/actions/?scope=all", "All actions")

    @task(1)
    def export_csv(self):
        with self.client.get(
            "/board/export.csv", name="/board/export.csv", catch_response=True
        ) as r:
            if r.status_code != 200 or "Force," not in r.text[:20]:
                r.failure(f"CSV export: {r.status_code}")
