"""An S3 double on loopback for what s3rver cannot do: it answers GET and HEAD as S3 does for objects
stored with SHA-256 checksums (x-amz-checksum-sha256, x-amz-checksum-type: COMPOSITE or FULL_OBJECT,
multipart ETags), and it checks every request's SigV4 signature with botocore, as S3 would, where
botocore is installed (s3rver accepts any signature).

usage: s3_double.py FOLDER   serves FOLDER/<bucket>/<key> files; for each object FILE, FILE.parts
(part sizes, one a line) makes it a multipart object, FILE.checksum overrides its checksum value.
The first GET of an object named in FOLDER/cut (one bucket/key a line) hangs up halfway.
Prints "listening on PORT", then one line per request: "METHOD PATH STATUS [why]".
"""
import base64
import hashlib
import http.server
import pathlib
import sys
import urllib.parse

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    botocore = None

FOLDER = pathlib.Path(sys.argv[1])
SECRETS = {"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
cut_done = set()


def describe(path):
    """ETag, checksum and checksum type as S3 stores them for a single-part or multipart upload."""
    data = path.read_bytes()
    parts_file = path.with_name(path.name + ".parts")
    if parts_file.exists():
        sizes = [int(line) for line in parts_file.read_text().split()]
        parts, at = [], 0
        for size in sizes:
            parts.append(data[at : at + size])
            at += size
        assert at == len(data), f"{path}: the parts do not add up to the object"
        etag = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f"-{len(parts)}"
        digest = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
        checksum, kind = base64.b64encode(digest).decode() + f"-{len(parts)}", "COMPOSITE"
    else:
        etag = hashlib.md5(data).hexdigest()
        checksum, kind = base64.b64encode(hashlib.sha256(data).digest()).decode(), "FULL_OBJECT"
    override = path.with_name(path.name + ".checksum")
    if override.exists():
        checksum = override.read_text().strip()
    return data, etag, checksum, kind


def signature_problem(handler):
    """Why the request's signature is not S3's (None when it is, or when botocore is absent)."""
    if botocore is None:
        return None
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not SigV4 signed"
    fields = dict(item.strip().split("=", 1) for item in auth[len("AWS4-HMAC-SHA256 ") :].split(","))
    access_key, date, region, service, _ = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            return f"{required} is not signed"
    for name in handler.headers:
        if name.lower().startswith("x-amz-") and name.lower() not in signed:
            return f"{name} is sent but not signed"
    request = AWSRequest(
        method=handler.command,
        url="http://" + handler.headers["Host"] + handler.path,
        headers={name: handler.headers[name] for name in signed},
    )
    request.context["timestamp"] = handler.headers["X-Amz-Date"]
    signer = botocore.auth.S3SigV4Auth(Credentials(access_key, SECRETS.get(access_key, "?")), service, region)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    if signer.signature(string_to_sign, request) != fields["Signature"]:
        return "SignatureDoesNotMatch"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, status, headers, body=b"", why=""):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(headers.get("Content-Length", len(body))))
        self.end_headers()
        print(self.command, self.path, status, why, flush=True)
        return body

    def do_HEAD(self):
        self.serve(send_body=False)

    def do_GET(self):
        self.serve(send_body=True)

    def serve(self, send_body):
        common = {"x-amz-request-id": "0123456789ABCDEF", "Server": "AmazonS3"}
        problem = signature_problem(self)
        if problem:
            body = f"<Error><Code>SignatureDoesNotMatch</Code><Message>{problem}</Message></Error>".encode()
            body = self.answer(403, {**common, "Content-Type": "application/xml"}, body, problem)
            self.wfile.write(body if send_body else b"")
            return
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        file = FOLDER / path.lstrip("/")
        if not file.is_file():
            body = self.answer(404, {**common, "Content-Type": "application/xml"}, b"<Error><Code>NoSuchKey</Code></Error>")
            self.wfile.write(body if send_body else b"")
            return
        data, etag, checksum, kind = describe(file)
        headers = {**common, "ETag": f'"{etag}"', "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        wants_checksum = self.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
        first = 0
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes=") and self.headers.get("If-Range", f'"{etag}"') == f'"{etag}"':
            first = int(ranged[6:].split("-")[0])
        if first:
            headers["Content-Range"] = f"bytes {first}-{len(data) - 1}/{len(data)}"
            status = 206
        else:
            status = 200
            if wants_checksum:  # a range's answer carries no checksum: it is not the object's
                headers["x-amz-checksum-sha256"] = checksum
                headers["x-amz-checksum-type"] = kind
        body = data[first:]
        headers["Content-Length"] = len(body)
        name = path.lstrip("/")
        cuts = (FOLDER / "cut").read_text().split() if (FOLDER / "cut").exists() else []
        if send_body and name in cuts and name not in cut_done:
            cut_done.add(name)
            self.wfile.write(self.answer(status, headers, why="cut halfway") + body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(self.answer(status, headers) + (body if send_body else b""))


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on", server.server_address[1], "with signature checks" if botocore else "(botocore absent: signatures not checked)", flush=True)
server.serve_forever()
