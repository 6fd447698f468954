"""Peer benchmark: moto's IAM policy evaluation (moto.iam.access_control.IAMPolicy) on the same
scenarios as crates/warden-policy/benches/evaluate.rs.

Run:  python3 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install moto
      /tmp/peer-venv/bin/python benches-peers/moto/bench.py [variant ...]

Variants (default: all):
  caller    - exactly what moto's IAMRequestBase.check_action_permitted does per request:
              for each policy, IAMPolicy(policy_json) (json.loads of the document) then
              is_action_permitted(action, resource); no principal, no condition values.
              DENIED from any policy -> explicit deny; any PERMITTED -> allow; else implicit deny.
  preparsed - IAMPolicy objects built once (JSON parsed once); per decision only
              is_action_permitted(action, resource, incoming_condition_values=context).
  subst     - as `preparsed`, but ${aws:username} is substituted textually in the policy JSON
              before it is handed to moto (moto has no policy-variable support), so that the
              subset moto does support can reach Warden's decision.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from importlib.metadata import version

from moto.iam.access_control import IAMPolicy, PermissionResult

USER = "arn:aws:iam::111122223333:user/alice"
# Same request context as Warden's bench. moto's condition model is dict[str, str].
CONTEXT = {
    "aws:SourceIp": "10.20.30.40",
    "aws:PrincipalTag/team": "payments",
    "aws:SecureTransport": "true",
    "aws:CurrentTime": "2026-11-22T12:00:00Z",
    "aws:username": "alice",
}


# ---- policies: same loops, same JSON text as evaluate.rs ----
def small_policy() -> list[str]:
    return [
        """{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},
            {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"""
    ]


SERVICES = [
    "s3", "ec2", "sqs", "sns", "dynamodb", "lambda", "kms", "logs", "cloudwatch", "iam", "sts",
    "rds", "ecs", "ecr", "eks", "elasticloadbalancing", "autoscaling", "route53", "cloudfront",
    "secretsmanager", "ssm", "kinesis", "firehose", "glue", "athena",
]


def twelve_policies() -> list[str]:
    conditions = [
        "",
        ',"Condition":{"StringEquals":{"aws:PrincipalTag/team":"payments"}}',
        ',"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}',
        ',"Condition":{"Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}',
        ',"Condition":{"StringLike":{"aws:PrincipalTag/team":"pay*"}}',
    ]
    out = []
    for p in range(12):
        statements = []
        for s in range(50):
            service = SERVICES[(p * 50 + s) % len(SERVICES)]
            m = s % 4
            if m == 0:
                action = f'["{service}:Get{p}x{s}","{service}:Describe{s}"]'
            elif m == 1:
                action = f'"{service}:List{p}*"'
            elif m == 2:
                action = f'["{service}:Put{p}x{s}","{service}:Create{s}*"]'
            else:
                action = f'"{service}:Tag{s}?{p}"'
            r = s % 3
            if r == 0:
                resource = f'"arn:aws:{service}:*:111122223333:thing{s}/*"'
            elif r == 1:
                resource = f'"arn:aws:{service}:::home/${{aws:username}}/{p}/*"'
            else:
                resource = '"*"'
            effect = "Deny" if s % 10 == 9 else "Allow"
            statements.append(
                f'{{"Sid":"S{p}x{s}","Effect":"{effect}","Action":{action},"Resource":{resource}'
                f"{conditions[s % len(conditions)]}}}"
            )
        out.append('{"Version":"2012-10-17","Statement":[' + ",".join(statements) + "]}")
    return out


def read_only_access() -> list[str]:
    actions = []
    for svc in range(250):
        for verb in ["Describe", "Get", "List", "BatchGet", "Search", "Query"]:
            actions.append(f'"service{svc}:{verb}*"')
        for n in range(10):
            actions.append(f'"service{svc}:View{n}Thing"')
    assert len(actions) >= 4000
    return [
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":['
        + ",".join(actions)
        + '],"Resource":"*"}]}'
    ]


# Warden's decisions (asserted in evaluate.rs).
SCENARIOS = [
    ("a_small_policy_allow", small_policy, "s3:GetObject", "arn:aws:s3:::reports/2026/q3.csv", "Allowed"),
    ("b_twelve_policies_600_statements_allow", twelve_policies, "s3:List7Objects", "arn:aws:s3:::home/alice/7/file", "Allowed"),
    ("b_twelve_policies_600_statements_implicit_deny", twelve_policies, "s3:DeleteBucket", "arn:aws:s3:::home/alice/7/file", "ImplicitlyDenied"),
    ("c_read_only_access_4000_patterns_allow", read_only_access, "service137:GetWidget", "arn:aws:service137:us-east-1:111122223333:widget/1", "Allowed"),
    ("c_read_only_access_4000_patterns_implicit_deny", read_only_access, "service137:DeleteWidget", "arn:aws:service137:us-east-1:111122223333:widget/1", "ImplicitlyDenied"),
]


def combine(results) -> str:
    """moto's IAMRequestBase.check_action_permitted: any DENIED -> deny, any PERMITTED -> allow."""
    permitted = False
    for r in results:
        if r == PermissionResult.DENIED:
            return "ExplicitlyDenied"
        if r == PermissionResult.PERMITTED:
            permitted = True
    return "Allowed" if permitted else "ImplicitlyDenied"


def v_caller(texts, action, resource):
    def run():
        permitted = False
        for text in texts:
            r = IAMPolicy(text).is_action_permitted(action, resource)
            if r == PermissionResult.DENIED:
                return "ExplicitlyDenied"
            if r == PermissionResult.PERMITTED:
                permitted = True
        return "Allowed" if permitted else "ImplicitlyDenied"

    return run


def v_preparsed(texts, action, resource):
    policies = [IAMPolicy(t) for t in texts]
    ctx = dict(CONTEXT)

    def run():
        permitted = False
        for pol in policies:
            r = pol.is_action_permitted(action, resource, None, ctx)
            if r == PermissionResult.DENIED:
                return "ExplicitlyDenied"
            if r == PermissionResult.PERMITTED:
                permitted = True
        return "Allowed" if permitted else "ImplicitlyDenied"

    return run


def v_subst(texts, action, resource):
    return v_preparsed([t.replace("${aws:username}", CONTEXT["aws:username"]) for t in texts], action, resource)


VARIANTS = {"caller": v_caller, "preparsed": v_preparsed, "subst": v_subst}

RUNS = 5
TARGET_NS_PER_RUN = 0.5e9


def time_n(run, n: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(n):
        run()
    return (time.perf_counter_ns() - t0) / n


def measure(run):
    # warm-up: at least 20 calls, up to 1 s
    n = 0
    w0 = time.perf_counter_ns()
    while n < 20 or (n < 2000 and time.perf_counter_ns() - w0 < 1e9):
        run()
        n += 1
    probe = time_n(run, max(5, min(200, n)))
    iters = max(10, min(200_000, round(TARGET_NS_PER_RUN / probe)))
    samples = [time_n(run, iters) for _ in range(RUNS)]
    return statistics.median(samples), samples, iters


def main() -> None:
    wanted = sys.argv[1:] or list(VARIANTS)
    print(f"moto {version('moto')}, python {sys.version.split()[0]}")
    print("variant\tscenario\tdecision\twarden\tagree\tmedian_ns\titers\truns_ns")
    for name in wanted:
        for sid, gen, action, resource, warden in SCENARIOS:
            run = VARIANTS[name](gen(), action, resource)
            decision = run()
            med, samples, iters = (float("nan"), [], 0)
            if not os.environ.get("CHECK_ONLY"):
                med, samples, iters = measure(run)
            print(
                "\t".join(
                    [name, sid, decision, warden, "yes" if decision == warden else "NO",
                     f"{med:.0f}", str(iters), ",".join(f"{x:.0f}" for x in samples)]
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
