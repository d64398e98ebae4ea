from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from inspections.roles import user_is_inspector


@login_required
def home(request):
    """Staff and managers start at their actions; inspectors at the national board."""
    if user_is_inspector(request.user):
        return redirect("boards:national")
    return redirect("improvements:action-list")


def accessibility(request):
    return render(request, "pages/accessibility.html")
