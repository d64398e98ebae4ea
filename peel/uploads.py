"""Uploads refused early: the request body stops being read once it passes the limit.

Django's default handlers read a whole upload (to memory or a temporary file) before any
form can say it is too big, so a 300 MB file was received whole to be refused. Here the
first handler counts the bytes of each file as they arrive and, past
``EVIDENCE_MAX_BYTES``, stops reading the body (``StopUpload(connection_reset=True)``).
The fields sent before the file are kept, and the refused file is replaced by an empty
stand-in whose size is over the limit, so that the form's own size check reports it as a
form error: nothing is saved, and the user's text is shown again.

A proxy in front should refuse sooner still (README: ``client_max_body_size``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class TooLarge(SimpleUploadedFile):
    """What stands in for a file refused for its size: empty, with its size said."""

    def __init__(self, name: str, content_type: str, size: int):
        super().__init__(name, b"", content_type)
        self.size = size
        self.too_large = True


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.EVIDENCE_MAX_BYTES
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request._refused_upload = (
                    self.field_name,
                    TooLarge(self.file_name or "upload", self.content_type or "", self.received),
                )
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None


def refused_upload_middleware(get_response):
    """After the body is parsed (the CSRF check reads it), put the stand-in of a refused
    file where the form will look for it."""

    def middleware(request):
        return get_response(request)

    def process_view(request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.content_type.startswith("multipart/"):
            return None
        request.POST  # noqa: B018 (parse the body now, if nothing has yet)
        refused = getattr(request, "_refused_upload", None)
        if refused is not None:
            field, stand_in = refused
            request.FILES.setlist(field, [stand_in])
        return None

    middleware.process_view = process_view
    return middleware
