#!/usr/bin/env python3
"""Reference SigV4 signatures for Frugal's S3 requests, computed by botocore (Debian's python3-botocore).

tests/fixtures/sigv4/botocore/cases.json lists requests the way Frugal makes them (operation, endpoint,
bucket, key, credentials, a fixed X-Amz-Date). For each one this script asks botocore for
  url            the URL botocore's own S3 client sends for that operation (its addressing style and key
                 encoding; for a LIST, its path with the query in canonical form, which is what Frugal
                 sends because libcurl signs the query as given)
  authorization  the Authorization header botocore.auth.S3SigV4Auth computes for that URL with the
                 headers Frugal signs (x-amz-content-sha256, x-amz-date, x-amz-security-token,
                 x-amz-checksum-mode, Range, If-Range)
and compares them with the values stored in the file, which tests/unit/objects/sigv4_botocore_test.cpp
holds Frugal's requests to. `--write` stores botocore's values instead.

Exit status: 0 all match, 1 a mismatch (listed), 200 botocore is not installed (the test is skipped).
"""
import argparse
import datetime
import hashlib
import json
import pathlib
import sys
import types
from urllib.parse import quote, urlsplit, urlunsplit

try:
    import botocore
    import botocore.auth
    import botocore.session
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
except ImportError:
    print("SKIP: botocore is not installed (Debian: apt-get install python3-botocore; make deps installs it)")
    sys.exit(200)

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "sigv4"
CASES = FIXTURES / "botocore" / "cases.json"


class Captured(Exception):
    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def botocore_url(case):
    """The URL botocore's S3 client sends for the case's operation: never sent anywhere."""
    custom = bool(case["endpoint"])
    client = botocore.session.get_session().create_client(
        "s3",
        region_name=case["region"],
        endpoint_url=case["endpoint"] or None,
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        # Frugal: path style on a custom endpoint, virtual-host style on AWS (path style for a bucket
        # that is no DNS label), and the regional endpoint in us-east-1 too.
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if custom else "auto", "us_east_1_regional_endpoint": "regional"},
            retries={"max_attempts": 0},
        ),
    )

    def grab(request, **_):
        raise Captured(request)

    client.meta.events.register("before-send.s3", grab)
    bucket, op = case["bucket"], case["operation"]
    calls = {
        "get": lambda: client.get_object(Bucket=bucket, Key=case["key"]),
        "ranged-get": lambda: client.get_object(Bucket=bucket, Key=case["key"]),
        "head": lambda: client.head_object(Bucket=bucket, Key=case["key"]),
        "put": lambda: client.put_object(Bucket=bucket, Key=case["key"], Body=b""),
        "delete": lambda: client.delete_object(Bucket=bucket, Key=case["key"]),
        "list": lambda: client.list_objects_v2(Bucket=bucket, Prefix=case["prefix"]),
    }
    try:
        calls[op]()
    except Captured as e:
        url = e.request.url
    else:
        raise RuntimeError(f"{case['name']}: botocore sent nothing")
    if op == "list":
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(query=canonical_query(list_params(case))))
    return url


def list_params(case):
    params = [("list-type", "2"), ("prefix", case["prefix"])]
    if case.get("continuation_token"):
        params.append(("continuation-token", case["continuation_token"]))
    return params


def canonical_query(params):
    signer = botocore.auth.S3SigV4Auth(Credentials("k", "s"), "s3", "us-east-1")
    return signer._canonical_query_string_params(params)


def signed_headers(case):
    """The headers Frugal sends and signs besides Host and X-Amz-Date (added by the signer)."""
    headers = {}
    if case.get("checksum_mode"):
        headers["x-amz-checksum-mode"] = "ENABLED"  # the data cache asks for the stored SHA-256
    if case["operation"] == "ranged-get":
        headers["Range"] = f"bytes={case['range_from']}-"
        headers["If-Range"] = f"\"{case['etag']}\""
    return headers


def pin_clock(amz_date):
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")

    class FixedClock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

    botocore.auth.datetime = types.SimpleNamespace(datetime=FixedClock)  # botocore < 1.32
    if hasattr(botocore.auth, "get_current_datetime"):  # later ones
        botocore.auth.get_current_datetime = lambda *_, **__: when


def botocore_authorization(case, url):
    pin_clock(case["amz_date"])
    method = {"get": "GET", "ranged-get": "GET", "head": "HEAD", "put": "PUT", "delete": "DELETE", "list": "GET"}
    op = case["operation"]
    body = case.get("body", "").encode()
    request = AWSRequest(
        method=method[op],
        url=urlunsplit(urlsplit(url)._replace(query="")) if op == "list" else url,
        headers=signed_headers(case),
        data=body,
        params=list_params(case) if op == "list" else None,
    )
    # Frugal streams uploads unhashed (UNSIGNED-PAYLOAD) unless it was given the body's SHA-256.
    request.context["client_config"] = Config(s3={"payload_signing_enabled": bool(body)})
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("session_token"))
    botocore.auth.S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
    return request.headers["Authorization"]


class KeepsDate(botocore.auth.S3SigV4Auth):
    """The PUT example signs a Date header beside X-Amz-Date; botocore would sign only one of them."""

    def _set_necessary_date_headers(self, request):
        request.headers["X-Amz-Date"] = request.context["timestamp"]


def published_example_mismatches():
    """The S3 API reference's examples (fixtures/sigv4/s3-examples), recomputed: their files were
    typed from the documentation, so botocore checks them too."""
    bad = 0
    for folder in sorted((FIXTURES / "s3-examples").iterdir()):
        context = json.loads((folder / "context.json").read_text())
        head, _, body = (folder / "request.txt").read_text(encoding="utf-8").partition("\n\n")
        request_line, *header_lines = head.splitlines()
        method, target = request_line.split(" ")[0], request_line.rsplit(" ", 1)[0].split(" ", 1)[1]
        headers = dict(line.split(":", 1) for line in header_lines)
        path, _, query = target.partition("?")
        url = urlunsplit(("https", headers.pop("Host"), quote(path, safe="/~"), "", ""))
        params = [tuple(pair.partition("=")[::2]) for pair in query.split("&")] if query else None
        pin_clock(context["timestamp"].replace("-", "").replace(":", ""))
        request = AWSRequest(method=method, url=url, headers=headers, data=body.encode(), params=params)
        keys = context["credentials"]
        signer = KeepsDate(Credentials(keys["access_key_id"], keys["secret_access_key"]), "s3", context["region"])
        signer.add_auth(request)
        published = (folder / "header-signed-request.txt").read_text().split("Authorization:", 1)[1].strip()
        if request.headers["Authorization"] != published:
            bad += 1
            print(f"s3-examples/{folder.name}\n  published: {published}\n  botocore:  {request.headers['Authorization']}")
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store botocore's values in the cases file")
    args = parser.parse_args()
    cases = json.loads(CASES.read_text(encoding="utf-8"))
    bad = 0
    for case in cases:
        if "body" in case:
            case["payload_sha256"] = hashlib.sha256(case["body"].encode()).hexdigest()
        url = botocore_url(case)
        want = {"url": url, "authorization": botocore_authorization(case, url)}
        for field, value in want.items():
            if args.write:
                case[field] = value
            elif case.get(field) != value:
                bad += 1
                print(f"{case['name']}: {field}\n  stored:   {case.get(field)}\n  botocore: {value}")
    if args.write:
        CASES.write_text(json.dumps(cases, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {len(cases)} cases to {CASES}")
        return 0
    print(f"botocore {botocore.__version__}: {len(cases) - bad} of {len(cases)} stored signatures and URLs agree")
    examples = published_example_mismatches()
    print(f"botocore {botocore.__version__}: the S3 API reference's examples {'agree' if not examples else 'DIFFER'}")
    bad += examples
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
