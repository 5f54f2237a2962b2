"""`clientportal company`: the company's settings stored in the database, shown with the
password masked, changed field by field, and read by every other command."""

from __future__ import annotations

import json

from clientportal.sql import SqlSettingsStore, create_engine

from .running import run, script


def stored(db: str) -> object:
    return SqlSettingsStore(create_engine(f"sqlite:///{db}")).get("company")


def show(db: str, env: dict[str, str] | None = None) -> dict[str, str]:
    code, out, _ = run(db, "company", "show", env=env)
    assert code == 0
    return {line[:17].strip(): line[17:].strip() for line in out.splitlines()}


def test_a_company_without_settings_shows_the_defaults(empty_db: str) -> None:
    code, _out, err = run(empty_db, "company", "show")
    assert code == 0
    assert "nothing stored yet: these are the defaults" in err
    values = show(empty_db)
    assert values["workflow"] == "internal-external, auto-forward"
    assert values["notify"].startswith("(nobody")
    assert values["SMTP login"] == "none"
    assert stored(empty_db) is None  # showing stores nothing


def test_set_changes_only_the_fields_given_and_show_reads_them_back(empty_db: str) -> None:
    code, out, err = run(
        empty_db, "company", "set", "--name", "Pixel & Co",
        "--notify", "office@pixel.example, Jo Jansen <jo@pixel.example>",
        "--workflow", "internal-external", "--manual-forward",
        "--base-url", "https://portal.pixel.example/",
        "--sender", "Pixel hours <hours@pixel.example>",
        "--smtp-host", "smtp.pixel.example", "--smtp-tls", "tls",
        "--smtp-username", "portal", "--smtp-password-env", "PIXEL_SMTP_PASSWORD",
    )  # fmt: skip
    assert code == 0, err
    values = show(empty_db)
    assert values == {
        "name": "Pixel & Co",
        "notify": "office@pixel.example, Jo Jansen <jo@pixel.example>",
        "notice language": "en",
        "workflow": "internal-external, manual forward",
        "base URL": "https://portal.pixel.example",
        "sender": "Pixel hours <hours@pixel.example>",
        "SMTP server": "smtp.pixel.example:465",
        "SMTP TLS": "tls",
        "SMTP login": "portal, password from the environment variable PIXEL_SMTP_PASSWORD "
        "(NOT SET here)",
    }
    assert out.splitlines() == run(empty_db, "company", "show")[1].splitlines()  # set shows it

    code, _, _ = run(empty_db, "company", "set", "--notice-language", "nl", "--smtp-port", "2465")
    assert code == 0
    again = show(empty_db)
    assert again["notice language"] == "nl"
    assert again["SMTP server"] == "smtp.pixel.example:2465"
    assert {k: v for k, v in again.items() if k not in ("notice language", "SMTP server")} == {
        k: v for k, v in values.items() if k not in ("notice language", "SMTP server")
    }

    code, _, _ = run(empty_db, "company", "set", "--unset", "smtp", "--unset", "base-url",
                     "--notify", "")  # fmt: skip
    assert code == 0
    cleared = show(empty_db)
    assert cleared["SMTP server"].startswith("(not set")
    assert cleared["SMTP login"] == "none"
    assert cleared["base URL"].startswith("(not set")
    assert cleared["notify"].startswith("(nobody")
    assert cleared["name"] == "Pixel & Co"


def test_the_smtp_password_is_stored_but_never_shown(empty_db: str) -> None:
    code, out, err = run(
        empty_db, "company", "set", "--smtp-host", "smtp.example.com", "--smtp-username", "portal",
        "--smtp-password", input="s3cret-pw\n",
    )  # fmt: skip
    assert code == 0, err
    assert "SMTP password" in err  # asked for, without echoing it
    assert "s3cret-pw" not in out + err
    assert show(empty_db)["SMTP login"] == "portal, password ******** (stored)"
    code, out, _ = run(empty_db, "company", "show", "--json")
    assert json.loads(out)["smtp_password"] == "********"
    assert "s3cret-pw" not in out
    assert isinstance(data := stored(empty_db), dict)
    assert data["smtp_password"] == "s3cret-pw"
    # The environment variable instead: the stored password is forgotten.
    assert run(empty_db, "company", "set", "--smtp-password-env", "SMTP_PW")[0] == 0
    assert isinstance(data := stored(empty_db), dict)
    assert (data["smtp_password"], data["smtp_password_env"]) == (None, "SMTP_PW")
    assert show(empty_db, {"SMTP_PW": "x"})["SMTP login"] == (
        "portal, password from the environment variable SMTP_PW (set)"
    )
    assert show(empty_db)["SMTP login"].endswith("(NOT SET here)")


def test_bad_settings_are_refused_naming_the_option_and_nothing_is_stored(empty_db: str) -> None:
    cases = {
        ("--notify", "office@pixel.example, not an address"): "--notify: must hold e-mail "
        "addresses such as 'office@example.com' or 'Office <office@example.com>', got "
        "'not an address'",
        ("--base-url", "127.0.0.1:8731"): "did you mean http://127.0.0.1:8731?",
        ("--notice-language", "it"): "--notice-language: must be a language the notices are "
        "written in (nl, en, de, fr, es, pl), got 'it'",
        ("--sender", "hours at pixel"): "'hours at pixel' is not an address",
        ("--smtp-username", "portal"): "the login 'portal' needs a password: give "
        "--smtp-password-env",
        ("--smtp-password-env", "1-not-a-name"): "--smtp-password-env must be the name of an "
        "environment variable",
        ("--smtp-port", "99999"): "99999 is not in the range 1<=x<=65535",
        ("--workflow", "sometimes"): "'sometimes' is not one of 'off', 'internal'",
    }
    for args, message in cases.items():
        code, _out, err = run(empty_db, "company", "set", *args)
        assert code == 2, (args, err)
        assert message in " ".join(err.split()), (args, err)
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("Error: "), err  # one line says it all
    code, _, err = run(empty_db, "company", "set")
    assert code == 2
    assert "nothing to change" in err
    assert stored(empty_db) is None


def test_every_command_works_with_the_stored_workflow_and_the_flags_override_one_run(
    demo_db: str,
) -> None:
    _, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "OPEN", "--limit", "3")
    (first, employee), (second, other), (third, third_employee) = (
        (line.split("\t")[0], line.split("\t")[2]) for line in out.splitlines()
    )
    assert run(demo_db, "company", "set", "--workflow", "external")[0] == 0
    code, out, _ = run(demo_db, "approvals", "submit", first, "--by", employee)
    assert (code, out.strip()) == (0, f"{first}\tAPPLIED → PENDING_EXTERNAL")
    # --approval changes the workflow for one run; the stored one stays.
    code, out, _ = run(demo_db, "--approval", "internal", "approvals", "submit", second,
                       "--by", other)  # fmt: skip
    assert (code, out.strip()) == (0, f"{second}\tAPPLIED → PENDING_INTERNAL")
    assert show(demo_db)["workflow"] == "external"
    # Approval switched off: submitting is refused with the command that switches it on.
    assert run(demo_db, "company", "set", "--workflow", "off")[0] == 0
    code, _, err = run(demo_db, "approvals", "submit", third, "--by", third_employee)
    assert code == 1
    assert "approval is switched off for this company: switch it on with " in err
    assert "`clientportal company set --workflow internal-external`" in " ".join(err.split())


def test_reset_forgets_the_settings_and_broken_ones_are_told_with_the_way_out(
    empty_db: str,
) -> None:
    assert run(empty_db, "company", "set", "--name", "Acme")[0] == 0
    settings = SqlSettingsStore(create_engine(f"sqlite:///{empty_db}"))
    import datetime as dt

    settings.put(
        "company", {"name": "Acme", "smtp_port": "twenty-five"}, at=dt.datetime.now(dt.UTC)
    )
    code, _, err = run(empty_db, "company", "show")
    assert code == 1
    assert "$.smtp_port: must be an integer" in err
    assert "start over with `clientportal company reset`" in " ".join(err.split())
    code, _, _ = run(empty_db, "company", "set", "--name", "Acme")
    assert code == 1
    code, _out, err = run(empty_db, "company", "reset")
    assert code == 0
    assert "the company settings are forgotten" in err
    assert stored(empty_db) is None
    assert run(empty_db, "company", "set", "--name", "Acme")[0] == 0


def test_company_set_and_show_as_the_real_command(empty_db: str) -> None:
    done = script("--db", empty_db, "company", "set", "--name", "Pixel & Co",
                  "--notify", "office@pixel.example", "--smtp-host", "127.0.0.1",
                  "--smtp-port", "2525", "--smtp-tls", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = script("--db", empty_db, "company", "show")
    assert shown.returncode == 0, shown.stderr
    assert "name             Pixel & Co" in shown.stdout
    assert "notify           office@pixel.example" in shown.stdout
    assert "SMTP server      127.0.0.1:2525" in shown.stdout
    assert "SMTP TLS         none" in shown.stdout
    refused = script("--db", empty_db, "company", "set", "--notify", "nobody")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "Error: --notify: must hold e-mail addresses such as 'office@example.com' or "
        "'Office <office@example.com>', got 'nobody'"
    )
