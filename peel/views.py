import time

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from inspections.roles import user_is_inspector

from .middleware import LAST_SEEN


@login_required
def home(request):
    """Staff and managers start at their actions; inspectors at the national board."""
    if user_is_inspector(request.user):
        return redirect("boards:national")
    return redirect("improvements:action-list")


def accessibility(request):
    return render(request, "pages/accessibility.html")


@login_required
@require_POST
def session_keepalive(request):
    """The timeout warning's "Stay signed in": the session's activity, renewed."""
    request.session[LAST_SEEN] = int(time.time())
    return HttpResponse(status=204)


def healthz(request):
    """For the load balancer: 200 when the database answers, 503 when it doesn't."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
