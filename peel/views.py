from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    return redirect("improvements:action-list")


def accessibility(request):
    return render(request, "pages/accessibility.html")
