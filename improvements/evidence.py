"""Evidence files are checked by their content, not only their name.

Each allowed extension names the signature its bytes must carry; a renamed executable,
or an HTML page called ``.pdf``, fails that check.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
HTML_MARKERS = (b"<html", b"<!doctype", b"<script", b"<body", b"<iframe", b"<svg", b"<?xml")

ALLOWED = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".ppt": "PowerPoint",
    ".pptx": "PowerPoint",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".gif": "image",
    ".txt": "text",
    ".csv": "CSV",
    ".eml": "email",
    ".msg": "Outlook email",
}
ALLOWED_TEXT = "PDF, Word, Excel, PowerPoint, PNG, JPEG, GIF, text, CSV or email (.eml, .msg)"
OOXML_FOLDER = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".eml": "message/rfc822",
    ".msg": "application/vnd.ms-outlook",
}


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in HTML_MARKERS)


def _ooxml_ok(upload, folder: str) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def _content_matches(suffix: str, head: bytes, upload) -> bool:
    if suffix == ".pdf":
        return head.startswith(b"%PDF-")
    if suffix in (".doc", ".xls", ".ppt", ".msg"):
        return head.startswith(OLE2)
    if suffix in OOXML_FOLDER:
        return head.startswith(ZIP) and _ooxml_ok(upload, OOXML_FOLDER[suffix])
    if suffix == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if suffix == ".gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if suffix == ".eml":
        first_line = head.split(b"\n", 1)[0]
        return _is_text(head) and b":" in first_line and not first_line.startswith(b"<")
    if suffix in (".txt", ".csv"):
        return _is_text(head) and not _looks_like_html(head)
    return False


def validate_evidence_file(upload) -> str:
    """Raise ValidationError unless the upload is an allowed type whose content matches
    its name; return the content type to store."""
    name = upload.name or ""
    suffix = PurePath(name).suffix.lower()
    if upload.size == 0:
        raise ValidationError("The selected file is empty")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            f"The selected file must be smaller than {filesizeformat(settings.EVIDENCE_MAX_BYTES)}"
        )
    if suffix not in ALLOWED:
        raise ValidationError(f"The selected file must be a {ALLOWED_TEXT}")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not _content_matches(suffix, head, upload):
        raise ValidationError(
            f"The selected file is not a real {ALLOWED[suffix]} file: its content does not "
            f"match its name “{PurePath(name).name}”"
        )
    return CONTENT_TYPES[suffix]
