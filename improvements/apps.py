from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    name = "improvements"
    verbose_name = "Improvements"

    def ready(self):
        from inspections.services import finding_moved

        from . import notifications
        from .boards import cache

        cache.connect()
        finding_moved.connect(notifications.on_finding_moved, dispatch_uid="notify-finding-moved")
