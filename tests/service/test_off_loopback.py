"""``serve`` off loopback: anyone on the network could reach it, so it starts only when an
administrator's account is enabled (and then every page needs a sign-in)."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor_service import accounts
from auditor_service.store import open_store
from tests.service.conftest import PASSWORD
from tests.service.live import LiveServer, free_port

REFUSED = "is not loopback, and no administrator's account is enabled"


def with_accounts(database: str, *made: tuple[str, str, bool]) -> None:
    """Accounts (name, role, disabled) in the database."""
    store = open_store(database)
    try:
        with store.session() as session:
            for name, role, disabled in made:
                accounts.set_disabled(accounts.add(session, name, role, urn="990001" if role == "school" else None,
                                                   password=PASSWORD), disabled)
    finally:
        store.dispose()


def serve(tmp_path: Path, database: str, *options: str):
    from auditor_service.cli import app

    return CliRunner().invoke(app, ["serve", "--no-browser", "--port", str(free_port()), "--data", str(tmp_path / "data"),
                                    "--database", database, *options])


@pytest.mark.parametrize("made", [
    (),
    (("olive", "officer", False), ("sam", "school", False)),
    (("ada", "admin", True), ("olive", "officer", False)),
])
def test_off_loopback_it_refuses_to_start_without_an_enabled_admin(tmp_path, database_url, made):
    with_accounts(database_url, *made)
    result = serve(tmp_path, database_url, "--host", "0.0.0.0")
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert f"--host 0.0.0.0: {REFUSED}" in output and "register-audit users add NAME --role admin" in output


@pytest.mark.parametrize("options", [("--trusted-proxy", "127.0.0.1"), ("--public-host", "audit.example.gov.uk")])
def test_on_loopback_behind_a_reverse_proxy_it_refuses_to_start_without_an_enabled_admin(tmp_path, database_url, options):
    """nginx on the same machine reaches it on 127.0.0.1 for everyone: with no accounts, everyone
    would be the machine's one user."""
    result = serve(tmp_path, database_url, *options)
    assert result.exit_code == 2, result.output
    assert ("--public-host/--trusted-proxy: let other machines reach it through a proxy, and no administrator's "
            "account is enabled") in " ".join(result.output.split())


def test_the_host_from_the_settings_file_is_held_to_the_same(tmp_path, database_url):
    settings = tmp_path / "settings.toml"
    settings.write_text('host = "0.0.0.0"\n', encoding="utf-8")
    result = serve(tmp_path, database_url, "--settings", str(settings))
    assert result.exit_code == 2 and REFUSED in " ".join(result.output.split())


def _listening_on(port: int) -> set[str]:
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            addresses.add(address)
    return addresses


def test_with_an_admin_it_starts_on_every_address_and_asks_for_a_sign_in(tmp_path, database_url):
    with_accounts(database_url, ("ada", "admin", False))
    server = LiveServer(tmp_path / "data", database_url, "--host", "0.0.0.0").start()
    try:
        assert _listening_on(server.port) == {"00000000"}  # 0.0.0.0
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/schools", headers={"Host": f"127.0.0.1:{server.port}"})
        response = connection.getresponse()
        assert response.status == 303 and response.getheader("location").startswith("/sign-in")
        connection.close()
    finally:
        server.stop()
    assert server.process.returncode is not None
