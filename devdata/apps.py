from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Development data: the demo and synthetic benchmark datasets, and the commands that
    load and measure them (``load_demo``, ``seed_bench``, ``bench``,
    ``bench_reminders``). No models; nothing in the domain apps imports it."""

    name = "devdata"
    verbose_name = "Development data"
