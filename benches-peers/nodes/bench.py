"""Write and read throughput of `warden serve` on SQLite and on PostgreSQL, and the delay before a
write on one node is visible on another (run through scripts/bench-nodes).

- Writes: CreateUser with a new name per request, signed by the root user, from CLIENTS processes
  × THREADS threads for DURATION seconds; every acknowledged write is durable (fsynced) first.
- Reads: GetUser of one user, signed by a user whose inline policy allows it (so every request is
  authenticated and authorized), same load.
- Propagation: CreateUser on node A, then GetUser of that user on node B in a tight loop until it
  answers; the delay is from A's acknowledgement to B's first success (so it includes one B round
  trip, about a millisecond). SAMPLES writes, one at a time.

Everything runs on loopback; each load is bounded in time, each loop in count.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "e2e"))
from e2e_support import (  # noqa: E402
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    allow,
    create_database,
    drop_database,
    policy,
    postgres_server,
    root_client,
    start_warden,
)

DURATION = 10.0
CLIENTS = 2
THREADS = 8
SAMPLES = 300
# The write load makes more users than AWS's default quota of 5,000 per account.
NO_USER_QUOTA = {"WARDEN_QUOTAS": "users-per-account=100000000"}


def signed(endpoint: str, key: tuple[str, str], params: dict[str, str]) -> tuple[str, dict[str, str], str]:
    body = "&".join(f"{k}={v}" for k, v in {**params, "Version": "2010-05-08"}.items())
    request = AWSRequest(method="POST", url=endpoint + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(*key), "iam", "us-east-1").add_auth(request)
    return request.url, dict(request.headers), body


def load(endpoint: str, key: tuple[str, str], action: str, user: str, duration: float, result) -> None:
    """One client process: THREADS threads sending `action` for `duration` seconds."""
    ok = [0] * THREADS
    failed = [0] * THREADS
    stop = time.monotonic() + duration

    def worker(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            name = f"b{uuid.uuid4().hex[:16]}" if action == "CreateUser" else user
            url, headers, body = signed(endpoint, key, {"Action": action, "UserName": name})
            response = session.post(url, data=body, headers=headers, timeout=30)
            if response.status_code == 200:
                ok[i] += 1
            else:
                failed[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.put((sum(ok), sum(failed)))


def throughput(endpoints: list[str], key: tuple[str, str], action: str, user: str = "") -> tuple[float, int]:
    """Requests per second over CLIENTS processes (spread over `endpoints`)."""
    result = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=load, args=(endpoints[i % len(endpoints)], key, action, user,
                                                            DURATION, result)) for i in range(CLIENTS)]
    for p in processes:
        p.start()
    totals = [result.get(timeout=DURATION + 120) for _ in processes]
    for p in processes:
        p.join()
    return sum(ok for ok, _ in totals) / DURATION, sum(failed for _, failed in totals)


def rss_mib(node) -> float:
    for line in Path(f"/proc/{node.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reader_key(node) -> tuple[tuple[str, str], str]:
    root = root_client(node)
    root.create_user(UserName="reader")
    root.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=policy(allow("iam:GetUser")))
    key = root.create_access_key(UserName="reader")["AccessKey"]
    return (key["AccessKeyId"], key["SecretAccessKey"]), "reader"


def propagation(a, b) -> list[float]:
    root_a, root_b = root_client(a), root_client(b)
    delays = []
    for i in range(SAMPLES):
        name = f"p{i}-{uuid.uuid4().hex[:8]}"
        root_a.create_user(UserName=name)
        acknowledged = time.monotonic()
        deadline = acknowledged + 10
        while True:
            try:
                root_b.get_user(UserName=name)
                break
            except root_b.exceptions.NoSuchEntityException:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} not visible on B after 10 s")
        delays.append((time.monotonic() - acknowledged) * 1000)
    return delays


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    root_key = (ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    rows = []
    work = Path(tempfile.mkdtemp(prefix="bench-nodes-"))

    node = start_warden(work / "sqlite", work / "sqlite-logs", extra_env=NO_USER_QUOTA)
    try:
        idle = rss_mib(node)
        writes, wfail = throughput([node.endpoint], root_key, "CreateUser")
        memory = (writes * DURATION, idle, rss_mib(node))
        key, user = reader_key(node)
        reads, rfail = throughput([node.endpoint], key, "GetUser", user)
        rows.append(("SQLite, one node", writes, wfail, reads, rfail))
    finally:
        node.stop()

    server = postgres_server()
    if server is None:
        raise SystemExit("WARDEN_TEST_POSTGRES is not set (scripts/bench-nodes sets it)")
    for count in (1, 3):
        name, url = create_database(server)
        nodes = [start_warden(work / f"unused-{count}-{i}", work / f"pg-logs-{count}-{i}", database=url,
                              extra_env=NO_USER_QUOTA) for i in range(count)]
        try:
            endpoints = [n.endpoint for n in nodes]
            writes, wfail = throughput(endpoints, root_key, "CreateUser")
            key, user = reader_key(nodes[0])
            time.sleep(1)  # the reader reaches every node
            reads, rfail = throughput(endpoints, key, "GetUser", user)
            label = "PostgreSQL, one node" if count == 1 else f"PostgreSQL, {count} nodes (load spread)"
            rows.append((label, writes, wfail, reads, rfail))
            if count == 3:
                delays = propagation(nodes[0], nodes[1])
        finally:
            for n in nodes:
                n.stop()
            drop_database(server, name)

    print(f"\n{CLIENTS} client processes x {THREADS} threads, {DURATION:.0f} s per figure\n")
    print("| Setup | CreateUser/s | GetUser/s |")
    print("|---|---|---|")
    for label, writes, wfail, reads, rfail in rows:
        notes = f" ({wfail} failed)" if wfail else ""
        rnotes = f" ({rfail} failed)" if rfail else ""
        print(f"| {label} | {writes:.0f}{notes} | {reads:.0f}{rnotes} |")
    print(f"\nPropagation A -> B over {len(delays)} writes: median {statistics.median(delays):.1f} ms, "
          f"p99 {percentile(delays, 99):.1f} ms, max {max(delays):.1f} ms")
    users, idle, loaded = memory
    print(f"Memory (SQLite node): {idle:.0f} MiB idle, {loaded:.0f} MiB with {users:.0f} users "
          f"(~{(loaded - idle) * 1024 / max(users, 1):.1f} KiB per user with the process's other growth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
