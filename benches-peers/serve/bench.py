"""Load benchmark: `warden serve` and moto_server answering IAM GetUser and ListUsers over HTTP.

Run through scripts/bench-serve (it builds Warden, prepares the venv and installs wrk):

    scripts/bench-serve                 # both targets
    scripts/bench-serve moto            # one target
    WRK_DURATION=30s scripts/bench-serve

For each target: start the server on a free 127.0.0.1 port, create 100 users with the root
credentials, and a caller: an IAM user whose inline policy allows iam:GetUser and iam:ListUsers,
so that Warden evaluates a policy on every request (the root user skips evaluation). With the
caller's key, sign two requests per operation — GetUser (one user) and ListUsers (MaxItems=100):
a POST with the SigV4 Authorization header, as the SDKs and the CLI send, and a presigned GET
(SigV4 query string). Check each answers 200 with the expected body, then replay each with
`wrk -t2 -c64 -d10s --latency` (after a 2 s warm-up; a signature stays valid for 15 minutes)
and print one table.

Everything runs on this machine's loopback interface; each wrk run is bounded in time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import requests  # noqa: E402

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from e2e_support import Server, iam_client, root_client, start_moto, start_warden  # noqa: E402

USERS = 100
THREADS = os.environ.get("WRK_THREADS", "2")
CONNECTIONS = os.environ.get("WRK_CONNECTIONS", "64")
DURATION = os.environ.get("WRK_DURATION", "10s")
WARMUP = os.environ.get("WRK_WARMUP", "2s")
OUT = REPO / "target" / "bench-serve"


@dataclass
class Result:
    target: str
    operation: str
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str
    load_before: float


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int, int, str]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.+)", output)
    return rps, p50, p99, total, int(non2xx.group(1)) if non2xx else 0, sockets.group(1) if sockets else "none"


def moto_routing_header(url: str) -> dict[str, str]:
    """moto_server picks its backend from the Authorization header's credential scope and sends a
    request without one to its S3 backend. For moto only, the presigned URL's own credential and
    signature are repeated in an Authorization header so that it reaches IAM; moto verifies neither."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    credential = query["X-Amz-Credential"][0]
    signature = query["X-Amz-Signature"][0]
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature={signature}"}


CALLER_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Action":["iam:GetUser","iam:ListUsers"],"Resource":"arn:aws:iam::*:user/bench/*"}]}'
)


def signed_post(server: Server, key: dict, params: dict[str, str]) -> tuple[str, dict[str, str], str]:
    """A POST signed in the Authorization header, exactly as botocore sends it; returns (url, headers, body)."""
    body = urllib.parse.urlencode({**params, "Version": "2010-05-08"})
    url = server.endpoint + "/"
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "iam", "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return url, headers, body


def prepare(server: Server) -> dict[str, tuple[str, dict[str, str], str | None, str]]:
    iam = root_client(server)
    prefix = "/bench/"
    names = [f"bench-user-{i:03d}" for i in range(USERS)]
    for name in names:
        iam.create_user(UserName=name, Path=prefix)
    iam.put_user_policy(UserName="bench-user-000", PolicyName="bench", PolicyDocument=CALLER_POLICY)
    key = iam.create_access_key(UserName="bench-user-000")["AccessKey"]
    caller = iam_client(server, key["AccessKeyId"], key["SecretAccessKey"])
    target_user = names[USERS // 2]
    get_params = {"Action": "GetUser", "UserName": target_user}
    list_params = {"Action": "ListUsers", "PathPrefix": prefix, "MaxItems": "100"}
    requests_to_run = {
        "GetUser, signed POST": (signed_post(server, key, get_params), f"<UserName>{target_user}</UserName>"),
        "ListUsers, signed POST": (signed_post(server, key, list_params), "<ListUsersResult>"),
        "GetUser, presigned GET": ((caller.generate_presigned_url(
            "get_user", Params={"UserName": target_user}, ExpiresIn=3600, HttpMethod="GET"), {}, None),
            f"<UserName>{target_user}</UserName>"),
        "ListUsers, presigned GET": ((caller.generate_presigned_url(
            "list_users", Params={"PathPrefix": prefix, "MaxItems": 100}, ExpiresIn=3600, HttpMethod="GET"), {}, None),
            "<ListUsersResult>"),
    }
    prepared = {}
    for operation, ((url, headers, body), expected) in requests_to_run.items():
        if body is None and server.is_moto:
            headers = moto_routing_header(url)
        if body is None:
            answer = requests.get(url, headers=headers, timeout=30)
        else:
            answer = requests.post(url, headers=headers, data=body, timeout=30)
        if answer.status_code != 200 or expected not in answer.text:
            raise SystemExit(f"{server.kind} {operation}: answered {answer.status_code}: {answer.text[:500]}")
        if operation.startswith("ListUsers"):
            count = answer.text.count("<member>")
            if count != 100:
                raise SystemExit(f"{server.kind} ListUsers returned {count} users, expected 100")
        prepared[operation] = (url, headers, body, expected)
    return prepared


def run_wrk(url: str, headers: dict[str, str], body: str | None, duration: str) -> str:
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if body is not None:
        script = OUT / "post.lua"
        script.write_text(f'wrk.method = "POST"\nwrk.body = "{body}"\n')
        cmd += ["-s", str(script)]
    cmd.append(url)
    completed = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return completed.stdout


def bench(kind: str, workdir: Path) -> list[Result]:
    if kind == "warden":
        server = start_warden(workdir / "warden-data", workdir / "warden-logs")
    else:
        server = start_moto(workdir / "moto-logs")
    try:
        prepared = prepare(server)
        results = []
        for operation, (url, headers, body, _) in prepared.items():
            run_wrk(url, headers, body, WARMUP)
            load = os.getloadavg()[0]
            output = run_wrk(url, headers, body, DURATION)
            slug = re.sub(r"[^A-Za-z]+", "-", operation).strip("-")
            (OUT / f"{kind}-{slug}.txt").write_text(output)
            rps, p50, p99, total, non2xx, sockets = parse_wrk(output)
            results.append(Result(kind, operation, rps, p50, p99, total, non2xx, sockets, load))
            time.sleep(1)
        return results
    finally:
        status = server.stop() if kind == "warden" else (server.process.terminate(), server.process.wait(30))
        if kind == "warden" and status != 0:
            print(f"warning: warden exited {status}", file=sys.stderr)


def main(argv: list[str]) -> int:
    kinds = argv or ["warden", "moto"]
    unknown = set(kinds) - {"warden", "moto"}
    if unknown:
        raise SystemExit(f"unknown target(s): {', '.join(sorted(unknown))} (choose warden, moto)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found (scripts/bench-serve installs it)")
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        for kind in kinds:
            results += bench(kind, Path(tmp))

    print(f"\nwrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} --latency, {USERS} users, caller with an inline policy "
          f"(raw output in {OUT.relative_to(REPO)}/)\n")
    print("| target | operation | requests/s | p50 | p99 | requests | non-2xx | socket errors | load avg before |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for r in results:
        print(f"| {r.target} | {r.operation} | {r.requests_per_sec:,.0f} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
              f"| {r.requests:,} | {r.non_2xx} | {r.socket_errors} | {r.load_before:.2f} |")
    by = {(r.target, r.operation): r for r in results}
    ratios = [
        f"| {op} | {by[('warden', op)].requests_per_sec / by[('moto', op)].requests_per_sec:,.1f}× |"
        for op in dict.fromkeys(r.operation for r in results)
        if ("warden", op) in by and ("moto", op) in by and by[("moto", op)].requests_per_sec > 0
    ]
    if ratios:
        print("\n| operation | Warden/moto requests/s |\n|---|---:|")
        print("\n".join(ratios))
    bad = [r for r in results if r.non_2xx]
    if bad:
        print("\nwarning: some responses were not 2xx: " + ", ".join(f"{r.target} {r.operation}" for r in bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
