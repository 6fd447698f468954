"""Fixtures for the end-to-end suite.

By default one `warden serve` (from WARDEN_BIN, default target/debug/warden) is started for the whole
session on 127.0.0.1 with a fresh data directory, fixed root keys and a fixed master key; it is
stopped with SIGTERM at the end and must exit 0.

`E2E_TARGET=moto` (or `--target=moto`) runs the same tests against moto_server instead, to check that
the tests themselves describe AWS correctly. Tests marked `warden_only` (signatures, authorization,
persistence: moto does not enforce them) are skipped there; tests marked `xfail_on_moto(reason=…)`
describe AWS behaviour that moto does not reproduce, and are expected to fail there.
"""

from __future__ import annotations

import os

import pytest

# Plain `assert`s in the helper module report their values like those in the tests.
pytest.register_assert_rewrite("e2e_support")

from e2e_support import Server, create_user_with_key, root_client, start_moto, start_warden  # noqa: E402


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        choices=("warden", "moto"),
        default=os.environ.get("E2E_TARGET", "warden"),
        help="server to test: warden (default) or moto (to validate the tests); env E2E_TARGET",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "warden_only: needs signature checks, authorization or persistence (skipped on moto)")
    config.addinivalue_line("markers", "xfail_on_moto(reason): AWS behaviour that moto does not reproduce")
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server (WARDEN_TEST_POSTGRES); runs in CI")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--target") != "moto":
        return
    for item in items:
        if item.get_closest_marker("warden_only"):
            item.add_marker(pytest.mark.skip(reason="warden_only: moto does not enforce this"))
        marker = item.get_closest_marker("xfail_on_moto")
        if marker:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "moto deviates from AWS")
            item.add_marker(pytest.mark.xfail(reason=f"moto: {reason}", strict=True))


@pytest.fixture(scope="session")
def target_kind(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("--target")


@pytest.fixture(scope="session")
def server(target_kind: str, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp(f"{target_kind}-session")
    if target_kind == "moto":
        running = start_moto(base / "logs")
        yield running
        running.process.terminate()
        running.process.wait(timeout=30)
        return
    running = start_warden(base / "data", base / "logs")
    yield running
    status = running.stop()
    assert status == 0, f"warden serve exited {status} after SIGTERM\nstderr:\n{running.stderr_text()[-4000:]}"


@pytest.fixture(scope="session")
def is_moto(server: Server) -> bool:
    return server.is_moto


@pytest.fixture(scope="session")
def iam(server: Server):
    """boto3 IAM client with the root credentials."""
    return root_client(server)


@pytest.fixture
def new_user(server: Server, iam):
    """Factory: a fresh user (unique name) with one access key and a boto3 client for it."""

    def make(prefix: str = "u", **kwargs):
        return create_user_with_key(server, iam, prefix, **kwargs)

    return make
