"""S3 and Bedrock on 127.0.0.1 for the Bedrock launch tests: moto's server (its S3, and Bedrock's
CreateModelCustomizationJob and GetModelCustomizationJob), behind a small proxy that records every
request as it arrived and can fail some, as the cloud does now and then.

boto3 is pointed at the proxy by AWS_ENDPOINT_URL. `fail(method, path, kind, times)` makes the
next matching requests fail: "500" answers HTTP 500 without passing the request on, "500-after"
passes it on and answers HTTP 500 all the same (the answer was lost), "400" answers Bedrock's
ValidationException, "timeout" answers HTTP 500 only after `hold_seconds`. `on(method, path,
action)` calls `action(request)` before a matching request is passed on; `jobs()` are moto's
jobs, whose status a test may move on; `object` and `keys` read moto's S3.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from moto.server import ThreadedMotoServer

from launch_server import Fault, read_chunked, serve

ACCOUNT = "123456789012"  # moto's
REGION = "us-west-2"
S3_500 = b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class AWSFake:
    moto_url: str
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    actions: list[tuple[str, str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold_seconds: float = 1.0  # how long a "timeout" fault holds the answer

    def fail(self, method: str, pattern: str, kind: str = "500", times: int = 1) -> None:
        self.faults.append(Fault(method, pattern, kind, times))

    def on(self, method: str, pattern: str, action) -> None:
        self.actions.append((method, pattern, action))

    def seen(self, method: str, pattern: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def reset(self) -> None:
        """moto's state is its process's: emptied between tests."""
        urllib.request.urlopen(urllib.request.Request(f"{self.moto_url}/moto-api/reset", method="POST")).read()
        self.requests.clear()
        self.faults.clear()
        self.actions.clear()

    @staticmethod
    def jobs() -> dict:
        from moto.bedrock.models import bedrock_backends

        return bedrock_backends[ACCOUNT][REGION].model_customization_jobs

    def object(self, bucket: str, key: str) -> bytes:
        from moto.s3.models import s3_backends

        return s3_backends[ACCOUNT]["aws"].get_object(bucket, key).value

    def keys(self, bucket: str) -> list[str]:
        from moto.s3.models import s3_backends

        return sorted(s3_backends[ACCOUNT]["aws"].get_bucket(bucket).keys)

    def fault_for(self, request: Seen) -> Fault | None:
        with self.lock:
            self.requests.append(request)
            matching = (f for f in self.faults if f.method == request.method and re.fullmatch(f.pattern, request.path))
            fault = next((f for f in matching if f.times), None)
            if fault:
                fault.times -= 1
        for method, pattern, action in self.actions:
            if method == request.method and re.fullmatch(pattern, request.path):
                action(request)
        return fault


class _Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        api: AWSFake = self.server.api
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self._body(headers)
        fault = api.fault_for(Seen(self.command, url.path, headers, body))
        if fault and fault.kind == "timeout":
            time.sleep(api.hold_seconds)
        if fault and fault.kind in ("500", "400", "timeout"):
            self._answer_fault(fault.kind, url.path)
            return
        status, answer_headers, answer = self._forward(api.moto_url, headers, body)
        if fault:  # "500-after": carried out, but the answer is lost
            self._answer_fault("500", url.path)
            return
        self._answer(status, answer_headers, answer)

    def _body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", ""):
            body = read_chunked(self.rfile)
            del headers["transfer-encoding"]  # moto is sent the body whole
            headers["content-length"] = str(len(body))
            return body
        return self.rfile.read(int(headers.get("content-length") or 0))

    def _forward(self, moto_url: str, headers: dict[str, str], body: bytes) -> tuple[int, list, bytes]:
        target = urlsplit(moto_url)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _answer_fault(self, kind: str, path: str) -> None:
        kind = "500" if kind == "timeout" else kind
        if path.startswith("/model-customization-jobs"):
            error = "ValidationException" if kind == "400" else "InternalServerException"
            message = "The provided role does not trust Bedrock" if kind == "400" else "the server had an error"
            body = json.dumps({"message": message}).encode()
            self._answer(int(kind), [("x-amzn-errortype", error), ("content-type", "application/json")], body)
        else:
            self._answer(int(kind), [("content-type", "application/xml")], S3_500)

    def _answer(self, status: int, headers: list, body: bytes) -> None:
        try:
            self.send_response(status)
            length = str(len(body))
            for name, value in headers:
                if name.lower() == "content-length" and self.command == "HEAD":
                    length = value  # the object's, though no body follows
                elif name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("content-length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

    def log_message(self, *args) -> None:
        pass


def start() -> tuple[AWSFake, object]:
    """moto's server and the proxy in front of it, on free ports of 127.0.0.1; returns the fake
    and a function that stops both."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    api = AWSFake(f"http://{host}:{port}")
    stop_proxy = serve(api, _Proxy)

    def stop() -> None:
        stop_proxy()
        moto.stop()

    return api, stop
