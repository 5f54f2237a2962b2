"""The example's own time tracker: clients, contacts, people, projects, tasks and entries kept
in minutes, with integer primary keys, as a Django app."""
