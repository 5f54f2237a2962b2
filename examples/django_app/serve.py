"""Serve the example Django project with waitress and print a link into the portal.

Run: ``.venv/bin/python examples/django_app/serve.py`` (``--port 0`` picks a free port). Needs
``pip install 'clientportal[django,web]'``.
"""

from __future__ import annotations

import argparse
import os
import socket

import waitress


def main() -> None:
    """Bind, configure Django for that address, and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    sock = socket.create_server((args.host, args.port))
    os.environ["EXAMPLE_BASE_URL"] = f"http://{args.host}:{sock.getsockname()[1]}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)  # the library's and the tracker's tables
    from portal_service import service

    server = waitress.create_server(application, sockets=[sock], threads=4)
    (claire,) = service.admin.portal("domaine").contact_ids
    token = service.links.issue("domaine", claire).token
    print(f"Portal link: {service.mail.link_url(token)}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
