"""Shared helpers for the end-to-end suite: starting servers, making clients, running the AWS CLI,
checking AWS errors.

Everything here talks to a server over HTTP on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# Fixed root credentials, shaped like real ones: AKIA + 16 upper-case alphanumerics; 40-char secret.
ROOT_ACCESS_KEY_ID = "AKIAWARDENROOT000001"
ROOT_SECRET_ACCESS_KEY = "e2eRootSecretAccessKey/0123456789+abcdEF"
# base64 of the 32 bytes 0x00..0x1f: a fixed master key so a restart can open the sealed secrets.
MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
IAM_VERSION = "2010-05-08"

LISTENING_RE = re.compile(r"listening on (http://[^\s]+)")

# One attempt per call: a retried request would hide what the server answered first.
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


def unique(prefix: str) -> str:
    """A name no other test uses (the server is shared by the whole session)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A running target: Warden or moto."""

    kind: str  # "warden" | "moto"
    endpoint: str
    process: subprocess.Popen
    data_dir: Path | None = None
    log_dir: Path | None = None
    stdout_lines: list[str] = field(default_factory=list)
    account_id: str = ACCOUNT_ID
    root_access_key_id: str = ROOT_ACCESS_KEY_ID
    root_secret_access_key: str = ROOT_SECRET_ACCESS_KEY

    @property
    def is_moto(self) -> bool:
        return self.kind == "moto"

    def stderr_text(self) -> str:
        if self.log_dir is None:
            return ""
        path = self.log_dir / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def output_text(self) -> str:
        """Everything the server printed so far, stdout then stderr."""
        return "\n".join(self.stdout_lines) + "\n" + self.stderr_text()

    def stop(self, timeout: float = 30.0, sig: int = signal.SIGTERM) -> int:
        """Sends `sig` (SIGTERM), then waits; returns the exit status (kills and fails if it does not exit)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(
                    f"{self.kind} did not exit within {timeout}s of SIGTERM\nstderr:\n{self.stderr_text()[-4000:]}"
                )
        return self.process.returncode


def _clean_env() -> dict[str, str]:
    """The caller's environment without AWS or Warden settings that could leak into a server."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WARDEN_"))}


def warden_bin() -> Path:
    path = Path(os.environ.get("WARDEN_BIN", REPO_ROOT / "target" / "debug" / "warden"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def start_warden(data_dir: Path, log_dir: Path, timeout: float = 60.0, extra_env: dict[str, str] | None = None,
                 root_keys: bool = True, master_key: bool = True, serve_args: list[str] | None = None,
                 database: str | None = None) -> Server:
    """Starts `warden serve --listen 127.0.0.1:0 --data DATA_DIR --account-id 123456789012`, with the
    fixed root keys and master key in its environment unless told otherwise, and waits until it
    prints its address and /_warden/health answers 200. `serve_args` replaces `--data … --account-id …`
    (dev mode, for one); `database` (a `postgres://` URL) replaces `--data DATA_DIR` with
    `--database URL`."""
    binary = warden_bin()
    if not binary.exists():
        pytest.fail(f"Warden binary not found at {binary}: build it (cargo build -p warden) or set WARDEN_BIN")
    if database is None:
        data_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    env = _clean_env()
    if root_keys:
        env["WARDEN_ROOT_ACCESS_KEY_ID"] = ROOT_ACCESS_KEY_ID
        env["WARDEN_ROOT_SECRET_ACCESS_KEY"] = ROOT_SECRET_ACCESS_KEY
    if master_key:
        env["WARDEN_MASTER_KEY"] = MASTER_KEY
    env.update(extra_env or {})
    if serve_args is None and database is not None:
        serve_args = ["--database", database, "--account-id", ACCOUNT_ID]
    elif serve_args is None:
        serve_args = ["--data", str(data_dir), "--account-id", ACCOUNT_ID]
    cmd = [str(binary), "serve", "--listen", "127.0.0.1:0", *serve_args]
    stderr = open(log_dir / "stderr.log", "ab")
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=str(log_dir))
    stderr.close()
    lines: list[str] = []
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        # Keep draining stdout for the whole life of the process so it never blocks on a full pipe.
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            lines.append(line)
            match = LISTENING_RE.search(line)
            if match:
                found.put(match.group(1).rstrip("/"))

    threading.Thread(target=pump, name="warden-stdout", daemon=True).start()
    server = Server("warden", "", process, data_dir=data_dir, log_dir=log_dir, stdout_lines=lines)

    deadline = time.monotonic() + timeout
    endpoint = None
    while time.monotonic() < deadline:
        try:
            endpoint = found.get(timeout=0.2)
            break
        except queue.Empty:
            if process.poll() is not None:
                break
    if endpoint is None:
        status = process.poll()
        if status is None:
            process.kill()
            process.wait()
        pytest.fail(
            f"`{' '.join(cmd)}` did not print 'listening on http://ADDR' within {timeout:.0f}s "
            f"(exit status: {status})\nstdout:\n" + "\n".join(lines[-50:]) + f"\nstderr:\n{server.stderr_text()[-4000:]}"
        )
    server.endpoint = endpoint
    _wait_http(f"{endpoint}/_warden/health", server, deadline=time.monotonic() + 30)
    return server


def start_moto(log_dir: Path, timeout: float = 60.0) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # The moto_server beside this interpreter (the venv's), else the first on PATH.
    sibling = Path(sys.executable).with_name("moto_server")
    moto = str(sibling) if sibling.exists() else shutil.which("moto_server") or "moto_server"
    stderr = open(log_dir / "stderr.log", "ab")
    env = _clean_env()
    env["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
    # AWS managed policies exist in every account; moto loads them only when asked.
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    process = subprocess.Popen(
        [moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=stderr, env=env
    )
    stderr.close()
    server = Server("moto", f"http://127.0.0.1:{port}", process, log_dir=log_dir)
    _wait_http(f"{server.endpoint}/moto-api/", server, deadline=time.monotonic() + timeout)
    return server


# --------------------------------------------------------------------------- PostgreSQL


def postgres_server() -> str | None:
    """The PostgreSQL server the tests may use (`WARDEN_TEST_POSTGRES`, set by scripts/test and
    scripts/e2e through scripts/postgres-up), or None."""
    return os.environ.get("WARDEN_TEST_POSTGRES") or None


def psql(server: str, sql: str) -> str:
    done = subprocess.run(["psql", server, "-Atqc", sql], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"psql failed: {sql}\n{done.stderr}"
    return done.stdout


def create_database(server: str) -> tuple[str, str]:
    """A new, empty database named warden_test_PID_… (scripts/postgres-up drops leftovers of dead
    runs by that name); returns (its name, its URL)."""
    name = f"warden_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    psql(server, f"CREATE DATABASE {name}")
    return name, server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, name: str) -> None:
    psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def restart_postgres() -> None:
    """Restarts the local cluster (Debian's pg_ctlcluster), as an operator or a crash would."""
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
    done = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"cannot restart PostgreSQL: {done.stderr}"


def _wait_http(url: str, server: Server, deadline: float) -> None:
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"{server.kind} exited ({server.process.returncode}) before {url} answered\n{server.stderr_text()[-4000:]}")
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except requests.RequestException as error:
            last = repr(error)
        time.sleep(0.1)
    server.process.kill()
    pytest.fail(f"{url} did not answer 200 in time (last: {last})\nstderr:\n{server.stderr_text()[-4000:]}")


# --------------------------------------------------------------------------- clients


def iam_client(server: Server, access_key_id: str, secret_access_key: str, **config: Any):
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=NO_RETRY.merge(Config(**config)) if config else NO_RETRY,
    )


def root_client(server: Server):
    return iam_client(server, server.root_access_key_id, server.root_secret_access_key)


@dataclass
class IamUser:
    name: str
    arn: str
    user_id: str
    access_key_id: str
    secret_access_key: str
    client: Any


def create_user_with_key(server: Server, root, prefix: str = "u", path: str = "/", tags: list | None = None) -> IamUser:
    name = unique(prefix)
    params: dict[str, Any] = {"UserName": name, "Path": path}
    if tags:
        params["Tags"] = tags
    user = root.create_user(**params)["User"]
    key = root.create_access_key(UserName=name)["AccessKey"]
    client = iam_client(server, key["AccessKeyId"], key["SecretAccessKey"])
    return IamUser(name, user["Arn"], user["UserId"], key["AccessKeyId"], key["SecretAccessKey"], client)


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", condition: dict | None = None) -> dict:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(action: str | list[str], resource: str | list[str] = "*", condition: dict | None = None) -> dict:
    statement = allow(action, resource, condition)
    statement["Effect"] = "Deny"
    return statement


# --------------------------------------------------------------------------- errors


def expect_error(call: Callable[[], Any], code: str, *, message: str | None = None,
                 message_prefix: str | None = None, status: int | None = None) -> dict:
    """Runs `call`, which must fail with the AWS error `code`; returns the botocore error response."""
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    error = response.get("Error", {})
    assert error.get("Code") == code, f"expected {code}, got {error.get('Code')}: {error.get('Message')}"
    if message is not None:
        assert error.get("Message") == message
    if message_prefix is not None:
        assert (error.get("Message") or "").startswith(message_prefix), error.get("Message")
    if status is not None:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    return response


def access_denied_message(caller_arn: str, action: str, resource: str, explicit: bool = False) -> str:
    """AWS's identity-based denial text for IAM.

    AWS names an IAM user resource as `user NAME` in these messages, not by its ARN; e.g.
    "User: arn:aws:sts::…:assumed-role/… is not authorized to perform: iam:GetUserPolicy on resource:
    user boundary-e2e-EMvkM because no identity-based policy allows the iam:GetUserPolicy action"
    (hashicorp/boundary#3877, 2023) and "… iam:GetUser on resource: user rancher-cloud-credential-user
    because no identity-based policy allows the iam:GetUser action"
    (aws-samples/rancher-on-aws-workshop#28); explicit deny: "… iam:GetRole on resource: role XPTO
    with an explicit deny in an identity-based policy" (terraform-aws-modules/terraform-aws-eks#2517).
    """
    head = f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}"
    if explicit:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {action} action"


# --------------------------------------------------------------------------- raw HTTP


def signed_request(server: Server, params: dict[str, str], access_key_id: str | None = None,
                   secret_access_key: str | None = None, method: str = "POST",
                   headers: dict[str, str] | None = None) -> requests.Response:
    """Sends a Query-protocol request signed with SigV4 (service iam), bypassing boto3's parsing."""
    credentials = Credentials(access_key_id or server.root_access_key_id,
                              secret_access_key or server.root_secret_access_key)
    params = {"Version": IAM_VERSION, **params}
    url = server.endpoint + "/"
    if method == "POST":
        body = "&".join(f"{requests.utils.quote(k, safe='')}={requests.utils.quote(v, safe='')}" for k, v in params.items())
        request = AWSRequest(method="POST", url=url, data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})})
    else:
        request = AWSRequest(method="GET", url=url, params=params, headers=headers or {})
    SigV4Auth(credentials, "iam", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.request(prepared.method, prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def parse_xml(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)


def q(*names: str) -> str:
    """A namespaced ElementTree path: q('GetUserResult', 'User') -> '{ns}GetUserResult/{ns}User'."""
    return "/".join(f"{{{IAM_NS}}}{name}" for name in names)


def xml_error(response: requests.Response) -> tuple[str | None, str | None]:
    root = parse_xml(response.text)
    code = root.find(f".//{{*}}Error/{{*}}Code")
    message = root.find(f".//{{*}}Error/{{*}}Message")
    return (code.text if code is not None else None, message.text if message is not None else None)


# --------------------------------------------------------------------------- AWS CLI


class CliError(Exception):
    def __init__(self, returncode: int, stdout: str, stderr: str, args: list[str]):
        super().__init__(f"aws {' '.join(args)} exited {returncode}\nstdout:\n{stdout}\nstderr:\n{stderr}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def aws_cli(server: Server, *args: str, access_key_id: str | None = None, secret_access_key: str | None = None,
            cwd: Path | None = None, timeout: float = 120) -> Any:
    """Runs `aws ARGS --endpoint-url … --output json` (awscli v1 from this venv), isolated from any
    user configuration; returns the parsed JSON output (None when the command prints nothing)."""
    env = _clean_env()
    env.update(
        {
            "AWS_ACCESS_KEY_ID": access_key_id or server.root_access_key_id,
            "AWS_SECRET_ACCESS_KEY": secret_access_key or server.root_secret_access_key,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
        }
    )
    full = [*args, "--endpoint-url", server.endpoint, "--output", "json"]
    completed = subprocess.run(
        [sys.executable, "-m", "awscli", *full],
        capture_output=True, text=True, env=env, cwd=str(cwd) if cwd else None, timeout=timeout,
    )
    if completed.returncode != 0:
        raise CliError(completed.returncode, completed.stdout, completed.stderr, full)
    out = completed.stdout.strip()
    return json.loads(out) if out else None
