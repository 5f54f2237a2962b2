"""The tracker's models: what the portal reads through ``clientportal.contrib.django.mapping``."""

from __future__ import annotations

from django.db import models


class Client(models.Model):
    """A client of the studio."""

    name = models.CharField(max_length=200)


class Contact(models.Model):
    """Somebody at a client who receives the portal's link."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    language = models.CharField(max_length=8, blank=True, null=True)

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Somebody at the studio who logs time."""

    name = models.CharField(max_length=200)


class Project(models.Model):
    """A client's project."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)


class Task(models.Model):
    """A kind of work within a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)


class Entry(models.Model):
    """Time logged: minutes of a person's day on a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL)
    person = models.ForeignKey(Person, on_delete=models.PROTECT)
    day = models.DateField()
    minutes = models.PositiveIntegerField()
    note = models.TextField(blank=True, null=True)
