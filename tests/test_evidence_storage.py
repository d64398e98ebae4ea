"""Evidence on shared object storage: django-storages (boto3) against a real
S3-compatible server on 127.0.0.1 (moto's server mode, started here). Upload, download,
a missing object, a changed object, access re-checked; a store that can't be written is
a form error and the progress update isn't half-saved."""

from __future__ import annotations

import errno
import io
import socket

import pytest
from django.core.files.storage import FileSystemStorage

from improvements.models import Evidence, ProgressUpdate

pytestmark = pytest.mark.django_db
BUCKET = "peel-evidence"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "eu-west-2"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3_options(endpoint: str, **more) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": endpoint,
            "default_acl": "private",
            "file_overwrite": False,
            **KEYS,
            **more,
        },
    }


@pytest.fixture
def s3(s3_server, settings):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="eu-west-2",
    )
    existing = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
    if BUCKET not in existing:
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
    settings.STORAGES = {**settings.STORAGES, "evidence": _s3_options(s3_server)}
    return client


def _upload(client, action, text="Briefed every team", content=PDF, name="briefing.pdf"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        f"/actions/{action.pk}/update/",
        {"text": text, "evidence_file": upload, "version": action.version},
    )


def test_evidence_round_trips_through_object_storage(client, s3, owner, action):
    client.force_login(owner)
    assert _upload(client, action).status_code == 302
    evidence = Evidence.objects.get(action=action)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert evidence.file.name in keys
    head = s3.head_object(Bucket=BUCKET, Key=evidence.file.name)
    assert head["ContentLength"] == len(PDF)

    download = client.get(f"/evidence/{evidence.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert (
        "attachment" in download["Content-Disposition"]
        and "briefing.pdf" in download["Content-Disposition"]
    )
    assert "no-store" in download["Cache-Control"]


def test_access_is_re_checked_for_object_storage_too(client, s3, owner, action, outsider):
    client.force_login(owner)
    _upload(client, action)
    evidence = Evidence.objects.get(action=action)
    client.force_login(outsider)
    assert client.get(f"/evidence/{evidence.pk}/download/").status_code == 404


def test_a_missing_object_is_a_clear_page(client, s3, owner, action):
    client.force_login(owner)
    _upload(client, action)
    evidence = Evidence.objects.get(action=action)
    s3.delete_object(Bucket=BUCKET, Key=evidence.file.name)
    response = client.get(f"/evidence/{evidence.pk}/download/")
    assert response.status_code == 404
    assert "This file is missing" in response.content.decode()


def test_a_changed_object_fails_its_checksum_and_is_not_handed_out(client, s3, owner, action):
    client.force_login(owner)
    _upload(client, action)
    evidence = Evidence.objects.get(action=action)
    s3.put_object(Bucket=BUCKET, Key=evidence.file.name, Body=PDF + b"tampered")
    response = client.get(f"/evidence/{evidence.pk}/download/")
    assert response.status_code == 409
    assert "changed since it was uploaded" in response.content.decode()


def test_an_unreachable_bucket_is_a_form_error_and_nothing_is_half_saved(
    client, owner, action, settings
):
    from botocore.config import Config

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": _s3_options(
            f"http://127.0.0.1:{_free_port()}",
            client_config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}),
        ),
    }
    client.force_login(owner)
    response = _upload(client, action, text="Briefed the night shift")
    page = response.content.decode()
    assert response.status_code == 400
    assert "evidence store can" in page and "t be reached" in page
    assert "Briefed the night shift" in page
    assert not ProgressUpdate.objects.filter(text="Briefed the night shift").exists()
    assert not Evidence.objects.filter(action=action).exists()


class FullDisk(FileSystemStorage):
    def _save(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_evidence_disk_is_a_form_error_and_nothing_is_half_saved(
    client, owner, action, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": f"{__name__}.FullDisk",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    client.force_login(owner)
    response = _upload(client, action, text="Ran the audit")
    page = response.content.decode()
    assert response.status_code == 400
    assert "evidence store is full" in page and "Ran the audit" in page
    assert not ProgressUpdate.objects.filter(text="Ran the audit").exists()
    assert not Evidence.objects.filter(action=action).exists()
