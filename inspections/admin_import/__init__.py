"""Admin "Import report": upload a report, check and correct what was read, confirm to save.

1. ``import/`` shows the upload form (a PDF or .txt report, an optional force name).
   Posting it parses the file and answers with the preview page.
2. The preview shows the parsed inspection (force, programme, pillar, scale, overall and
   question grades, findings, proposed follow-up reviews) and the parser's warnings, as a
   form: grades are selects limited to the scale, findings' kind, question and text can be
   edited and findings removed (or one added). The parsed document itself travels in a
   hidden field signed with ``django.core.signing`` (bound to the user, valid for a few
   hours); only the corrections come from the form.
3. ``import/confirm/`` checks the signature (400 with the reason when it fails), applies the
   corrections to the signed document and saves exactly that with
   ``inspection_save_canonical``, then redirects to the inspection's change page.

The user needs ``inspections.add_inspection``; applying a re-import over an existing
inspection needs ``inspections.change_inspection`` as well.

Modules: ``forms`` (the upload form and the preview's forms), ``signing`` (the signed
preview data), ``preview`` (``ImportPreview``: the corrections applied to the signed
document) and ``views`` (the two admin views, wired up in ``InspectionAdmin.get_urls``).
"""

from .forms import ReportUploadForm
from .preview import ImportPreview, existing_inspection
from .signing import PREVIEW_MAX_AGE, SIGNING_SALT, PreviewDataError, load_preview, sign_preview
from .views import import_confirm_view, import_upload_view

__all__ = [
    "PREVIEW_MAX_AGE",
    "SIGNING_SALT",
    "ImportPreview",
    "PreviewDataError",
    "ReportUploadForm",
    "existing_inspection",
    "import_confirm_view",
    "import_upload_view",
    "load_preview",
    "sign_preview",
]
