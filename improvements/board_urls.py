"""Status boards and exports (filled in by the boards work)."""

app_name = "boards"

urlpatterns: list = []
