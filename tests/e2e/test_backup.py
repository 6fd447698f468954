"""`warden backup` copies the embedded database while the server runs; `warden restore` puts it back
(Warden only: each test runs its own server on its own data directory)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from e2e_support import create_user_with_key, expect_error, iam_client, root_client, start_warden, unique, warden_bin

pytestmark = pytest.mark.warden_only


def warden(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(warden_bin()), *args], capture_output=True, text=True, timeout=120)


def test_a_backup_taken_while_serving_restores_that_state(tmp_path):
    data, logs, copy = tmp_path / "data", tmp_path / "logs", tmp_path / "backup.db"
    server = start_warden(data, logs)
    try:
        root = root_client(server)
        kept = create_user_with_key(server, root, prefix="kept")
        done = warden("backup", "--data", str(data), "--out", str(copy))
        assert done.returncode == 0, done.stderr
        later = unique("later")
        root.create_user(UserName=later)
        # A second backup to the same file is refused rather than overwriting it.
        again = warden("backup", "--data", str(data), "--out", str(copy))
        assert again.returncode != 0 and "exists" in again.stderr
    finally:
        assert server.stop() == 0

    refused = warden("restore", "--data", str(data), "--from", str(copy))
    assert refused.returncode != 0 and "--force" in refused.stderr
    done = warden("restore", "--data", str(data), "--from", str(copy), "--force")
    assert done.returncode == 0, done.stderr

    # Into a fresh directory too, given the master key (the fixtures pass it in the environment).
    fresh = tmp_path / "fresh"
    done = warden("restore", "--data", str(fresh), "--from", str(copy))
    assert done.returncode == 0, done.stderr

    for directory in (data, fresh):
        restored = start_warden(directory, tmp_path / f"logs-{directory.name}")
        try:
            root = root_client(restored)
            assert root.get_user(UserName=kept.name)["User"]["UserId"] == kept.user_id
            expect_error(lambda: root.get_user(UserName=later), "NoSuchEntity")
            # The sealed secret still opens: the restored key signs (and is refused by policy,
            # not as an unknown or forged key).
            client = iam_client(restored, kept.access_key_id, kept.secret_access_key)
            expect_error(lambda: client.list_users(), "AccessDenied")
        finally:
            assert restored.stop() == 0


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = warden("restore", "--data", str(tmp_path / "data"), "--from", str(junk))
    assert done.returncode != 0
    assert "not a Warden backup" in done.stderr
    assert not (tmp_path / "data" / "warden.db").exists()
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
