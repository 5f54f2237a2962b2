"""A host's time tracker as Django models, shaped like the open-source Django tracker of issue
16: clients, projects, tasks, and entries with minutes and integer primary keys; no contacts,
invoices, budgets or rates. Its tables are made with Django's schema editor."""

from __future__ import annotations

from django.db import connections, models


class Customer(models.Model):
    name = models.CharField(max_length=200)

    class Meta:
        app_label = "tracker"


class Person(models.Model):
    name = models.CharField(max_length=200)

    class Meta:
        app_label = "tracker"


class Project(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)

    class Meta:
        app_label = "tracker"


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)

    class Meta:
        app_label = "tracker"


class Entry(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    task = models.ForeignKey(Task, null=True, on_delete=models.SET_NULL)
    person = models.ForeignKey(Person, on_delete=models.PROTECT)
    day = models.DateField()
    minutes = models.PositiveIntegerField()
    note = models.TextField(null=True)

    class Meta:
        app_label = "tracker"


class Contact(models.Model):
    """Not in the original tracker: the table of client contacts an adopter adds for links."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    email = models.EmailField()

    class Meta:
        app_label = "tracker"

    def __str__(self) -> str:
        return self.name


class RatedProject(models.Model):
    """A project with an hourly rate (another tracker: rates per project, billable flags)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    rate = models.DecimalField(max_digits=12, decimal_places=2, null=True)

    class Meta:
        app_label = "tracker"


class RatedEntry(models.Model):
    project = models.ForeignKey(RatedProject, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.PROTECT)
    day = models.DateField()
    seconds = models.IntegerField()
    billable = models.BooleanField()

    class Meta:
        app_label = "tracker"


MODELS = (Customer, Person, Project, Task, Entry, Contact, RatedProject, RatedEntry)


def create_tables(alias: str) -> None:
    """The tracker's tables in Django's database ``alias``."""
    with connections[alias].schema_editor() as editor:
        for model in MODELS:
            editor.create_model(model)
