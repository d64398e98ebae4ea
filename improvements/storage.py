"""Where evidence (and background exports) are kept: Django's ``STORAGES["evidence"]``.

By default a private local folder (``PRIVATE_MEDIA_ROOT``); with ``EVIDENCE_STORAGE=s3``,
S3-compatible object storage through django-storages and boto3 (settings: bucket,
endpoint, region, credentials), so that every web server reads the same files. Files are
never given a public URL: they leave only through ``views.evidence_download``, after the
access check, streamed from ``open_verified``, which checks the SHA-256 recorded at
upload.

A store that can't be written (a full disk, an unreachable bucket) raises
``StorageUnavailable``, which the pages turn into a form error: the progress update it
came with is not saved either, since both are written in one transaction.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import tempfile

from django.core.files.storage import Storage, storages

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024
IN_MEMORY = 5 * 1024 * 1024  # a verified download is spooled to disk past this


class StorageUnavailable(Exception):
    """The evidence store can't be reached or written just now."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "The evidence store can't be reached just now, so nothing was saved. Your "
            "text is kept below: try again in a few minutes."
        )


class EvidenceCorrupt(Exception):
    """A stored file no longer matches the SHA-256 recorded when it was uploaded."""


def _store_errors():
    """The exceptions that mean "the store isn't working", not "no such file"."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # boto3 is only needed for S3
        return (OSError,), ()
    return (OSError, BotoCoreError), (ClientError,)


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, FileNotFoundError):
        return exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        logger.error("evidence store is full: %s", exc)
        return StorageUnavailable(
            "The evidence store is full, so nothing was saved. Your text is kept below: "
            "tell the service administrator."
        )
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    if code in ("404", "NoSuchKey", "NotFound"):
        return FileNotFoundError(str(exc))
    logger.error("evidence store unavailable: %r", exc)
    return StorageUnavailable()


class EvidenceStorage(Storage):
    """``storages["evidence"]``, looked up on every use (so a test, or a deployment's
    settings, decide where files go) with the store's failures made into
    ``StorageUnavailable``."""

    @property
    def backend(self) -> Storage:
        return storages["evidence"]

    def _call(self, name, *args, **kwargs):
        io_errors, client_errors = _store_errors()
        try:
            return getattr(self.backend, name)(*args, **kwargs)
        except FileNotFoundError:
            raise
        except (*io_errors, *client_errors) as exc:
            raise _translate(exc) from exc

    def _open(self, name, mode="rb"):
        return self._call("open", name, mode)

    def _save(self, name, content):
        return self._call("save", name, content)

    def get_available_name(self, name, max_length=None):
        return self._call("get_available_name", name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def delete(self, name):
        return self._call("delete", name)

    def exists(self, name):
        return self._call("exists", name)

    def size(self, name):
        return self._call("size", name)

    def listdir(self, path):
        return self._call("listdir", path)

    def path(self, name):
        return self.backend.path(name)

    def url(self, name):
        """No URL, ever: a file is served by evidence_download, which checks access (the
        admin, which asks, gets none to link to)."""
        return ""

    def get_modified_time(self, name):
        return self._call("get_modified_time", name)

    def deconstruct(self):
        return ("improvements.storage.EvidenceStorage", (), {})


def open_verified(stored_file, sha256: str):
    """The stored file, read once while its SHA-256 is checked, ready to stream (from
    memory, or a temporary file past 5 MB). FileNotFoundError if it is gone,
    StorageUnavailable if the store can't be read, EvidenceCorrupt if it has changed."""
    digest = hashlib.sha256()
    copy = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (handed to the response, which closes it)
    io_errors, client_errors = _store_errors()
    try:
        with stored_file.storage.open(stored_file.name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
    except FileNotFoundError:
        copy.close()
        raise
    except (*io_errors, *client_errors) as exc:
        copy.close()
        raise _translate(exc) from exc
    if sha256 and digest.hexdigest() != sha256:
        copy.close()
        raise EvidenceCorrupt(stored_file.name)
    copy.seek(0)
    return copy
