"""Time to ready and time to reset: `warden serve --dev` against moto_server.

Time to ready: from spawning the process to the first HTTP 200 of its health URL
(`/_warden/health`, moto's `/moto-api/`), polled every millisecond; the median and the worst of
RUNS starts. Time to reset: the round trip of `POST /_warden/reset` (moto: `POST
/moto-api/reset`) after 50 users were created, measured RUNS times.

    python bench.py [warden|moto|warden-seed]...     (through scripts/bench-ready)
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests
from botocore.config import Config

RUNS = int(os.environ.get("RUNS", "20"))
USERS = 50
SEED = """accounts:
  - policies:
      - name: ReadOnly
        document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "iam:Get*", Resource: "*"}]}
    users:
""" + "".join(
    f"      - name: seeded-{i}\n        attached_policies: [ReadOnly]\n"
    f"        access_keys: [{{id: AKIASEEDED{i:010d}, secret: seededsecretseededsecretseededsecret{i:04d}}}]\n"
    for i in range(USERS)
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(target: str, port: int, workdir: Path) -> tuple[list[str], str]:
    if target.startswith("warden"):
        binary = os.path.abspath(os.environ["WARDEN_BIN"])
        cmd = [binary, "serve", "--dev", "--listen", f"127.0.0.1:{port}"]
        if target == "warden-seed":
            seed = workdir / "seed.yaml"
            seed.write_text(SEED)
            cmd += ["--seed", str(seed)]
        return cmd, f"http://127.0.0.1:{port}/_warden/health"
    moto = Path(sys.executable).with_name("moto_server")
    return [str(moto) if moto.exists() else shutil.which("moto_server") or "moto_server",
            "-H", "127.0.0.1", "-p", str(port)], f"http://127.0.0.1:{port}/moto-api/"


def ready_time(target: str, workdir: Path) -> tuple[float, subprocess.Popen, str]:
    port = free_port()
    cmd, health = command(target, port, workdir)
    session = requests.Session()
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    while True:
        try:
            if session.get(health, timeout=1).status_code == 200:
                return time.perf_counter() - start, process, f"http://127.0.0.1:{port}"
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"{target} exited with {process.returncode}")
        time.sleep(0.001)


def reset_times(target: str, endpoint: str) -> list[float]:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))
    url = endpoint + ("/moto-api/reset" if target == "moto" else "/_warden/reset")
    session = requests.Session()
    times = []
    for _ in range(RUNS):
        for i in range(USERS):
            iam.create_user(UserName=f"bench-{i}")
        start = time.perf_counter()
        response = session.post(url, timeout=30)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
        assert iam.list_users()["Users"] == [] or target == "warden-seed"
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    targets = sys.argv[1:] or ["warden", "warden-seed", "moto"]
    print(f"| target | time to ready (median / max of {RUNS}) | reset after {USERS} users (median / p90) |")
    print("|---|---|---|")
    for target in targets:
        starts = []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(RUNS):
                seconds, process, endpoint = ready_time(target, Path(tmp))
                starts.append(seconds)
                process.terminate()
                process.wait(timeout=30)
            _, process, endpoint = ready_time(target, Path(tmp))
            try:
                resets = sorted(reset_times(target, endpoint))
            finally:
                process.terminate()
                process.wait(timeout=30)
        p90 = resets[int(len(resets) * 0.9) - 1]
        print(f"| {target} | {ms(statistics.median(starts))} / {ms(max(starts))} "
              f"| {ms(statistics.median(resets))} / {ms(p90)} |", flush=True)


if __name__ == "__main__":
    main()
