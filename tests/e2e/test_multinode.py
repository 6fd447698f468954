"""Three `warden serve` nodes on loopback over one PostgreSQL database: a write on any node is used
on the others (a user's access key, a policy change, an STS session), concurrent creates of one name
give AWS's errors, and a PostgreSQL restart in the middle of a write loop loses no acknowledged write.

Needs a PostgreSQL server (WARDEN_TEST_POSTGRES; scripts/test and scripts/e2e start the local one
with scripts/postgres-up); each test module gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
import time
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError, ConnectionClosedError, EndpointConnectionError

from e2e_support import (
    NO_RETRY,
    _clean_env,
    REGION,
    Server,
    allow,
    create_database,
    create_user_with_key,
    drop_database,
    expect_error,
    iam_client,
    policy,
    postgres_server,
    restart_postgres,
    root_client,
    start_warden,
    unique,
    warden_bin,
)

pytestmark = [pytest.mark.warden_only, pytest.mark.postgres]

# The bound: a write on one node is visible on every node within a second. The tests wait
# longer than that before they call it a failure (a loaded CI machine is slow); BENCHMARKS.md
# measures the real delay.
PROPAGATION_WAIT = 10.0


def eventually(check: Callable[[], Any], wait: float = PROPAGATION_WAIT) -> Any:
    """Retries `check` until it returns without raising, for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return check()
        # pytest.raises reports "did not raise" with pytest's own exception, not an AssertionError.
        except (AssertionError, ClientError, pytest.fail.Exception):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_cluster(tmp_path_factory: pytest.TempPathFactory, count: int):
    server = postgres_server()
    if server is None:
        pytest.skip("WARDEN_TEST_POSTGRES is not set (scripts/postgres-up prints it)")
    name, url = create_database(server)
    nodes: list[Server] = []
    base = tmp_path_factory.mktemp("nodes")
    try:
        for i in range(count):
            node = start_warden(base / f"unused-{i}", base / f"logs-{i}", database=url)
            node.database_url = url  # type: ignore[attr-defined]
            nodes.append(node)
    except BaseException:
        for node in nodes:
            node.stop()
        drop_database(server, name)
        raise
    return server, name, nodes


def stop_cluster(server: str, name: str, nodes: list[Server]) -> None:
    statuses = [node.stop() for node in nodes]
    drop_database(server, name)
    for node, status in zip(nodes, statuses):
        assert status == 0, f"a node exited {status}\n{node.stderr_text()[-4000:]}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    server, name, nodes = start_cluster(tmp_path_factory, 3)
    yield nodes
    stop_cluster(server, name, nodes)


def sts_client(node: Server, key: str, secret: str, token: str | None = None, **config: Any):
    return boto3.client("sts", endpoint_url=node.endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=NO_RETRY.merge(Config(**config)) if config else NO_RETRY)


def test_nodes_need_no_data_directory_and_share_the_first_account(cluster):
    a, b, c = cluster
    for node in cluster:
        # Not the directory it was not given, nor the default one in its working directory.
        assert node.data_dir is not None and not node.data_dir.exists()
        assert node.log_dir is not None and not (node.log_dir / "warden-data").exists()
        assert root_client(node).get_account_summary()["SummaryMap"]["Users"] >= 0
    # The first node created the account with the given id; the others found it.
    for node in cluster:
        assert f"account {node.account_id}" in node.stdout_lines


def test_a_user_created_on_one_node_signs_in_on_the_others(cluster):
    a, b, c = cluster
    user = create_user_with_key(a, root_client(a), prefix="multi")
    for node in (b, c):
        client = iam_client(node, user.access_key_id, user.secret_access_key)
        # The key authenticates (the user may not list users yet: AccessDenied, not InvalidClientTokenId).
        eventually(lambda: expect_error(lambda: client.list_users(), "AccessDenied"))
        assert root_client(node).get_user(UserName=user.name)["User"]["UserId"] == user.user_id


def test_a_policy_change_on_one_node_takes_effect_on_the_others(cluster):
    a, b, c = cluster
    user = create_user_with_key(a, root_client(a), prefix="pol")
    on_c = iam_client(c, user.access_key_id, user.secret_access_key)
    eventually(lambda: expect_error(lambda: on_c.list_users(), "AccessDenied"))
    root_client(b).put_user_policy(UserName=user.name, PolicyName="list", PolicyDocument=policy(allow("iam:ListUsers")))
    eventually(lambda: on_c.list_users())
    root_client(a).delete_user_policy(UserName=user.name, PolicyName="list")
    eventually(lambda: expect_error(lambda: on_c.list_users(), "AccessDenied"))


def test_an_sts_session_from_one_node_works_on_the_others(cluster):
    a, b, c = cluster
    root = root_client(a)
    user = create_user_with_key(a, root, prefix="assumer")
    role = unique("shared-role")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"})
    root.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
    root.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=policy(allow("iam:GetRole")))
    root.put_user_policy(UserName=user.name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole")))
    on_b = sts_client(b, user.access_key_id, user.secret_access_key)
    session = eventually(lambda: on_b.assume_role(RoleArn=f"arn:aws:iam::{a.account_id}:role/{role}",
                                                  RoleSessionName="multi"))["Credentials"]
    identity = sts_client(c, session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
    assert identity.get_caller_identity()["Arn"].endswith(f":assumed-role/{role}/multi")
    iam_on_c = boto3.client("iam", endpoint_url=c.endpoint, region_name=REGION, aws_access_key_id=session["AccessKeyId"],
                            aws_secret_access_key=session["SecretAccessKey"], aws_session_token=session["SessionToken"],
                            config=NO_RETRY)
    assert iam_on_c.get_role(RoleName=role)["Role"]["RoleName"] == role
    expect_error(lambda: iam_on_c.list_users(), "AccessDenied")


def test_concurrent_creates_of_one_name_on_two_nodes(cluster):
    a, b, _ = cluster
    clients = [root_client(a), root_client(b)]
    for _round in range(10):
        name = unique("race")
        barrier = threading.Barrier(2)
        outcomes: list[Any] = [None, None]

        def create(i: int) -> None:
            barrier.wait()
            try:
                outcomes[i] = clients[i].create_user(UserName=name)["User"]["UserId"]
            except ClientError as e:
                outcomes[i] = e.response["Error"]["Code"]

        threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [o for o in outcomes if isinstance(o, str) and o.startswith("AIDA")]
        assert len(winners) == 1, outcomes
        assert sorted(outcomes, key=lambda o: o.startswith("AIDA"))[0] == "EntityAlreadyExists", outcomes
        for client in clients:
            assert eventually(lambda: client.get_user(UserName=name))["User"]["UserId"] == winners[0]


@pytest.fixture
def pair(tmp_path_factory: pytest.TempPathFactory):
    server, name, nodes = start_cluster(tmp_path_factory, 2)
    yield nodes
    stop_cluster(server, name, nodes)


UNAVAILABLE_ANSWER = 10.0  # seconds: the bound for an answer during an outage


def test_a_postgres_restart_loses_no_acknowledged_write(pair):
    a, b = pair
    # A read timeout at the bound turns a hanging request into a failure of this test.
    writers = [iam_client(node, node.root_access_key_id, node.root_secret_access_key,
                          read_timeout=UNAVAILABLE_ANSWER, connect_timeout=UNAVAILABLE_ANSWER) for node in pair]
    acknowledged: list[str] = []
    unexpected: list[str] = []
    unavailable = 0
    stop = threading.Event()

    def write_loop(client) -> None:
        nonlocal unavailable
        i = 0
        while not stop.is_set() and i < 5000:
            i += 1
            name = unique("w")
            try:
                client.create_user(UserName=name)
                acknowledged.append(name)
            except ClientError as e:
                error = e.response["Error"]["Code"]
                status = e.response["ResponseMetadata"]["HTTPStatusCode"]
                if (error, status) == ("ServiceUnavailable", 503):
                    unavailable += 1
                else:
                    unexpected.append(f"{error} {status}: {e.response['Error'].get('Message')}")
            except (ReadTimeoutError, ConnectionClosedError, EndpointConnectionError) as e:
                unexpected.append(f"no answer: {e}")
            time.sleep(0.01)

    threads = [threading.Thread(target=write_loop, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    try:
        eventually(lambda: _at_least(acknowledged, 20), wait=60)
        before = len(acknowledged)
        restart_postgres()
        # Both nodes come back by themselves: writes are acknowledged again after the restart.
        eventually(lambda: _at_least(acknowledged, before + 40), wait=60)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not unexpected, unexpected[:10]
    # Every acknowledged write is in the database, and every node sees it.
    for node in pair:
        root = root_client(node)

        def all_present() -> None:
            names = set()
            for page in root.get_paginator("list_users").paginate():
                names.update(u["UserName"] for u in page["Users"])
            missing = [n for n in acknowledged if n not in names]
            assert not missing, f"{len(missing)} acknowledged users missing on {node.endpoint}: {missing[:5]}"

        eventually(all_present)
    print(f"acknowledged {len(acknowledged)} writes, {unavailable} answered ServiceUnavailable during the restart")


def _at_least(items: list, count: int) -> None:
    assert len(items) >= count, f"{len(items)} < {count}"


def test_a_node_needs_the_clusters_master_key(tmp_path_factory):
    server, name, nodes = start_cluster(tmp_path_factory, 1)
    try:
        url = server.rsplit("/", 1)[0] + "/" + name

        def serve(env_key: str | None) -> subprocess.CompletedProcess:
            env = _clean_env()
            if env_key is not None:
                env["WARDEN_MASTER_KEY"] = env_key
            return subprocess.run([str(warden_bin()), "serve", "--listen", "127.0.0.1:0", "--database", url],
                                  capture_output=True, text=True, timeout=60, env=env,
                                  cwd=str(tmp_path_factory.mktemp("keyless")))

        missing = serve(None)
        assert missing.returncode != 0
        assert "give the master key" in missing.stderr, missing.stderr
        other = serve(base64.b64encode(os.urandom(32)).decode())
        assert other.returncode != 0
        assert "the master key is not the one the stored secrets were sealed with" in other.stderr, other.stderr
    finally:
        stop_cluster(server, name, nodes)


def test_the_nodes_audit_trail_is_one_intact_chain(cluster):
    """Requests answered by different nodes at once land in one hash chain, which `warden audit`
    reads and verifies straight from PostgreSQL; MFA devices and passwords made on one node work on
    the others (their records travel with the change log like any other)."""
    a, b, c = cluster
    names = [unique("chain") for _ in range(12)]
    threads = [threading.Thread(target=lambda n=n, node=node: root_client(node).create_user(UserName=n))
               for n, node in zip(names, [a, b, c] * 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    url = a.database_url
    query = subprocess.run([str(warden_bin()), "audit", "query", "--database", url, "--event-name", "CreateUser"],
                           capture_output=True, text=True, timeout=60, env=_clean_env())
    assert query.returncode == 0, query.stderr
    created = {line.split('"userName":"')[1].split('"')[0] for line in query.stdout.splitlines()
               if '"userName":"chain-' in line}
    assert set(names) <= created
    verify = subprocess.run([str(warden_bin()), "audit", "verify", "--database", url],
                            capture_output=True, text=True, timeout=60, env=_clean_env())
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intact" in verify.stdout
    # A password set through node B is checked by node C.
    user = create_user_with_key(a, root_client(a), prefix="pw")
    root_client(b).create_login_profile(UserName=user.name, Password="Multi-Node-Passw0rd!")
    root_client(b).update_account_password_policy(AllowUsersToChangePassword=True)
    on_c = iam_client(c, user.access_key_id, user.secret_access_key)
    eventually(lambda: on_c.change_password(OldPassword="Multi-Node-Passw0rd!", NewPassword="Changed-On-C-1!"))
