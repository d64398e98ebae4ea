"""A task used only by the worker tests: it leaves a mark in the database."""

from celery import shared_task

from inspections.models import Force


@shared_task(name="tests.rename_force", acks_late=True)
def rename_force(force_id: int, name: str) -> None:
    Force.objects.filter(pk=force_id).update(name=name)
