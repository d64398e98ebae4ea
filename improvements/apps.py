from django.apps import AppConfig


class ImprovementsConfig(AppConfig):
    name = "improvements"
    verbose_name = "Improvements"

    def ready(self):
        from .boards import cache

        cache.connect()
