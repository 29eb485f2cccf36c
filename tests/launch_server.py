"""Fakes of the fine-tuning APIs that --launch talks to, served over HTTP on 127.0.0.1.

The real SDKs (openai, together) send their real requests here. Each fake records every
request as it arrived, keeps what was uploaded, and answers as the provider's API does for
the calls the launch makes:

- OpenAI (and Azure, under /openai with ?api-version=): POST /files (multipart form),
  GET /files/{id}, POST /uploads, POST /uploads/{id}/parts (multipart), POST
  /uploads/{id}/complete, POST /fine_tuning/jobs, GET /fine_tuning/jobs/{id} and
  GET /fine_tuning/jobs/{id}/events.
- Fireworks (paths under /v1/accounts/{account}, as the fireworks-ai SDK 1.x sends them):
  POST /datasets, GET /datasets/{id}, POST /datasets/{id}:upload (multipart form),
  POST /datasets/{id}:getUploadEndpoint (a signed URL here: PUT /signed/{account}/{id}),
  POST /datasets/{id}:validateUpload, POST and GET /supervisedFineTuningJobs[/{id}] and
  /dpoJobs[/{id}] (the job's id from the query, as the API takes it; 409 when it exists).
- Together (paths under /v1, as the together SDK 3.x sends them): POST /files (a form that
  asks for an upload URL; the answer is a 302 to a presigned URL with X-Together-File-Id),
  PUT to that URL (the bytes), POST /files/{id}/preprocess, GET /files/{id},
  GET /fine-tunes/models/limits, POST /fine-tunes/estimate-price, POST /fine-tunes,
  GET /fine-tunes/{id}, GET /fine-tunes/{id}/events and GET /fine-tunes/{id}/metrics.
- Vertex AI (v1beta1, as google-genai sends it) and Cloud Storage's JSON API on one server:
  POST, GET /v1beta1/projects/{p}/locations/{l}/tuningJobs[/{id}] (the list filtered by label),
  GET /storage/v1/b/{bucket}/o/{object}, POST /upload/storage/v1/b/{bucket}/o (multipart, or
  resumable: then PUT /upload/resumable/{session}), and a Compute Engine metadata server.

`fail(method, path, kind, times)` makes the next matching requests fail: "500" answers HTTP 500
(with retry-after-ms, which the SDKs honour, so retries are fast), "timeout" answers only after
the client's timeout, "400" rejects the request, "echo" answers HTTP 401 quoting the request's
credential headers in the error message (as careless servers do). `on(method, path, action)` calls
`action(request)` as each matching request arrives, before it is answered. A job moves one
stage further each time it is retrieved.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

NOW = 1_790_000_000  # a fixed Unix time for created_at fields
RETRY_AFTER_MS = "10"


@dataclass
class Seen:
    """One request as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, Part]:
        return parse_form(self.headers["content-type"], self.body)


@dataclass
class Part:
    filename: str | None
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()


def parse_form(content_type: str, body: bytes) -> dict[str, Part]:
    """multipart/form-data, split by hand so that the bytes of each part stay exact."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
    fields = {}
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(
            line for line in head.decode().split("\r\n") if line.lower().startswith("content-disposition")
        )
        name = re.search(r'\bname="([^"]*)"', disposition).group(1)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        fields[name] = Part(filename.group(1) if filename else None, content.removesuffix(b"\r\n"))
    return fields


@dataclass
class Answer:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    method: str
    pattern: str
    kind: str
    times: int


class FakeAPI:
    prefixes: tuple[str, ...] = ()
    routes: tuple[tuple[str, str, str], ...] = ()  # (method, path regex, handler name)

    def __init__(self):
        self.url = ""
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self.files: dict[str, dict] = {}
        self.jobs: dict[str, dict] = {}
        self.timeout_seconds = 0.0  # how long a "timeout" fault holds the answer
        self.actions: list[tuple[str, str, object]] = []  # (method, path pattern, action): see on()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # --- what tests use --------------------------------------------------------------------

    def fail(self, method: str, pattern: str, kind: str = "500", times: int = 1) -> None:
        self.faults.append(Fault(method, pattern, kind, times))

    def on(self, method: str, pattern: str, action) -> None:
        self.actions.append((method, pattern, action))

    def seen(self, method: str, pattern: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, self._route_path(r.path))]

    def content_of(self, file_id: str) -> bytes:
        return self.files[file_id]["content"]

    # --- serving ---------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def _route_path(self, path: str) -> str:
        for prefix in self.prefixes:
            if path.startswith(prefix + "/"):
                return path[len(prefix) :]
        return path

    def handle(self, request: Seen) -> Answer:
        with self._lock:
            self.requests.append(request)
            path = self._route_path(request.path)
            fault = next(
                (f for f in self.faults if f.times and f.method == request.method and re.fullmatch(f.pattern, path)),
                None,
            )
            if fault:
                fault.times -= 1
        for method, pattern, action in self.actions:
            if method == request.method and re.fullmatch(pattern, path):
                action(request)
        if fault and fault.kind == "timeout":
            time.sleep(self.timeout_seconds)
            return Answer(500, {"error": {"message": "answered too late"}})
        if fault and fault.kind == "echo":
            sent = "; ".join(
                f"{name}: {value}" for name, value in request.headers.items() if name in ("authorization", "api-key")
            )
            return Answer(
                401,
                {"error": {"message": f"Incorrect API key provided. You sent {sent}", "type": "invalid_request_error"}},
            )
        if fault and fault.kind == "400":
            return Answer(
                400,
                {
                    "error": {
                        "message": "batch_size 128 is above the model's maximum of 64",
                        "type": "invalid_request_error",
                    }
                },
            )
        if fault:
            return Answer(
                500,
                {"error": {"message": "the server had an error", "type": "server_error"}},
                {"retry-after-ms": RETRY_AFTER_MS},
            )
        for method, pattern, name in self.routes:
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                with self._lock:
                    return getattr(self, name)(request, *match.groups())
        return Answer(404, {"error": {"message": f"no route {request.method} {path}"}})

    def not_found(self, what: str) -> Answer:
        return Answer(404, {"error": {"message": f"No such {what}", "type": "invalid_request_error"}})

    job_prefix = ""
    script: ClassVar[list[dict]] = []  # the stages a job goes through, one per retrieval

    def job_body(self, job_id: str) -> dict:
        raise NotImplementedError

    def create_job(self, request: Seen) -> Answer:
        job_id = self.new_id(self.job_prefix)
        self.jobs[job_id] = {
            "request": request.json(),
            "stage": 0,
            "status": self.script[0]["status"],
            "events": [],
            "metrics": [],
            "script": self.script,
        }
        return Answer(200, self.job_body(job_id))

    def retrieve_job(self, request: Seen, job_id: str) -> Answer:
        if job_id not in self.jobs:
            return self.not_found("job")
        self.advance(self.jobs[job_id])
        return Answer(200, self.job_body(job_id))

    def advance(self, job: dict) -> None:
        """One stage further: its status, and the events and metrics of that stage."""
        stage = job["script"][min(job["stage"], len(job["script"]) - 1)]
        job["stage"] += 1
        job["status"] = stage["status"]
        job["events"] += stage.get("events", [])
        job["metrics"] += stage.get("metrics", [])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        url = urlsplit(self.path)
        request = Seen(
            self.command,
            url.path,
            dict(parse_qsl(url.query)),
            {k.lower(): v for k, v in self.headers.items()},
            self._body(),
        )
        answer = self.server.api.handle(request)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a "timeout" fault)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", ""):
            return read_chunked(self.rfile)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *args) -> None:
        pass


def read_chunked(rfile) -> bytes:
    """A body sent with transfer-encoding: chunked (as the SDKs stream uploads)."""
    chunks = []
    while size := int(rfile.readline().strip(), 16):
        chunks.append(rfile.read(size))
        rfile.readline()
    rfile.readline()
    return b"".join(chunks)


def serve(api, handler: type[BaseHTTPRequestHandler] = _Handler):
    """Starts `handler` serving `api` (a FakeAPI by default) on a free port of 127.0.0.1, and
    sets `api.url`; returns a function that stops it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.api = api
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return stop


# --- OpenAI and Azure OpenAI -----------------------------------------------------------------

OPENAI_SCRIPT = [
    {"status": "validating_files", "events": [("message", "Validating training file")]},
    {"status": "queued", "events": [("message", "Files validated, moving job to queued state")]},
    {"status": "running", "events": [
        ("message", "Fine-tuning job started"),
        ("metrics", {"step": 1, "train_loss": 1.5, "valid_loss": 1.75, "total_steps": 2}),
    ]},
    {"status": "running", "events": [
        ("metrics", {"step": 2, "train_loss": 0.75, "valid_loss": 0.875, "total_steps": 2}),
    ]},
    {"status": "succeeded", "events": [("message", "The job has successfully completed")]},
]  # fmt: skip


class OpenAIFake(FakeAPI):
    prefixes = ("/v1", "/openai")
    job_prefix = "ftjob-"
    script = OPENAI_SCRIPT
    routes = (
        ("POST", r"/files", "create_file"),
        ("GET", r"/files/([^/]+)", "retrieve_file"),
        ("POST", r"/uploads", "create_upload"),
        ("POST", r"/uploads/([^/]+)/parts", "add_part"),
        ("POST", r"/uploads/([^/]+)/complete", "complete_upload"),
        ("POST", r"/uploads/([^/]+)/cancel", "cancel_upload"),
        ("POST", r"/fine_tuning/jobs", "create_job"),
        ("GET", r"/fine_tuning/jobs/([^/]+)", "retrieve_job"),
        ("GET", r"/fine_tuning/jobs/([^/]+)/events", "list_events"),
    )

    def __init__(self):
        super().__init__()
        self.uploads: dict[str, dict] = {}
        self.parts: dict[str, bytes] = {}

    def _file(self, filename: str, content: bytes, purpose: str) -> dict:
        file_id = self.new_id("file-")
        self.files[file_id] = {"content": content}
        self.files[file_id]["object"] = {
            "id": file_id, "object": "file", "bytes": len(content), "created_at": NOW,
            "filename": filename, "purpose": purpose, "status": "processed",
        }  # fmt: skip
        return self.files[file_id]["object"]

    def create_file(self, request: Seen) -> Answer:
        form = request.form()
        return Answer(200, self._file(form["file"].filename, form["file"].content, form["purpose"].text))

    def retrieve_file(self, request: Seen, file_id: str) -> Answer:
        return Answer(200, self.files[file_id]["object"]) if file_id in self.files else self.not_found("File object")

    def create_upload(self, request: Seen) -> Answer:
        upload_id = self.new_id("upload_")
        self.uploads[upload_id] = {
            "id": upload_id, "object": "upload", "created_at": NOW, "expires_at": NOW + 3600,
            "status": "pending", "file": None, **request.json(),
        }  # fmt: skip
        return Answer(200, self.uploads[upload_id])

    def add_part(self, request: Seen, upload_id: str) -> Answer:
        part_id = self.new_id("part_")
        self.parts[part_id] = request.form()["data"].content
        return Answer(200, {"id": part_id, "object": "upload.part", "created_at": NOW, "upload_id": upload_id})

    def complete_upload(self, request: Seen, upload_id: str) -> Answer:
        upload = self.uploads[upload_id]
        content = b"".join(self.parts[part_id] for part_id in request.json()["part_ids"])
        if len(content) != upload["bytes"]:
            return Answer(400, {"error": {"message": f"expected {upload['bytes']} bytes, got {len(content)}"}})
        upload["file"] = self._file(upload["filename"], content, upload["purpose"])
        upload["status"] = "completed"
        return Answer(200, upload)

    def cancel_upload(self, request: Seen, upload_id: str) -> Answer:
        upload = self.uploads[upload_id]
        upload["status"] = "cancelled"
        return Answer(200, upload)

    def job_body(self, job_id: str) -> dict:
        job = self.jobs[job_id]
        body = job["request"]
        failed = job["status"] == "failed"
        return {
            "id": job_id, "object": "fine_tuning.job", "created_at": NOW, "model": body["model"],
            "organization_id": "org-test", "result_files": [], "seed": body.get("seed", 42),
            "status": job["status"], "training_file": body["training_file"],
            "validation_file": body.get("validation_file"), "hyperparameters": {},
            "fine_tuned_model": f"ft:{body['model']}:org-test::abc123" if job["status"] == "succeeded" else None,
            "error": (
                {"code": "invalid_file", "message": "training file has too few examples", "param": "training_file"}
                if failed else None
            ),
            "finished_at": None, "trained_tokens": None,
        }  # fmt: skip

    def list_events(self, request: Seen, job_id: str) -> Answer:
        events = [
            {"id": f"ftevent-{job_id}-{number}", "object": "fine_tuning.job.event", "created_at": NOW + number,
             "level": "info", "type": kind,
             "message": data if kind == "message" else f"Step {data['step']}/{data['total_steps']}",
             "data": data if kind == "metrics" else {}}
            for number, (kind, data) in enumerate(self.jobs[job_id]["events"])
        ]  # fmt: skip
        return Answer(
            200, {"object": "list", "data": events[::-1], "has_more": False}
        )  # newest first, as the API lists them


# --- Together AI -----------------------------------------------------------------------------

TOGETHER_SCRIPT = [
    {"status": "pending", "events": [("job_pending", "Fine tune request created")]},
    {"status": "queued"},
    {"status": "running", "events": [("training_start", "Training started")],
     "metrics": [{"train/loss": 2.5, "train/global_step": 1}]},
    {"status": "running",
     "metrics": [{"train/loss": 1.25, "train/global_step": 2}, {"eval/loss": 1.5, "eval/global_step": 2}]},
    {"status": "completed", "events": [("job_complete", "Job finished")]},
]  # fmt: skip

TOGETHER_LIMITS = {
    "model_name": "", "default_gradient_accumulation_steps": 1, "max_learning_rate": 1.0, "min_learning_rate": 1e-8,
    "max_num_checkpoints": 10, "max_num_epochs": 20, "max_num_evals": 100, "max_seq_length_dpo": 4096,
    "max_seq_length_sft": 8192, "merge_output_lora": False, "min_max_seq_length": 128, "supports_full_training": True,
    "supports_reasoning": False, "supports_tools": True, "supports_vision": False,
    "lora_training": {"default_rank": 8, "max_batch_size": 64, "max_batch_size_dpo": 32, "max_rank": 64,
                      "min_batch_size": 8, "target_modules": ["q_proj", "v_proj"]},
    "full_training": {"max_batch_size": 32, "max_batch_size_dpo": 16, "min_batch_size": 8},
}  # fmt: skip


class TogetherFake(FakeAPI):
    prefixes = ("/v1",)
    job_prefix = "ft-"
    script = TOGETHER_SCRIPT
    routes = (
        ("POST", r"/files", "upload_url"),
        ("PUT", r"/presigned/([^/]+)", "put_content"),
        ("POST", r"/files/([^/]+)/preprocess", "preprocess"),
        ("GET", r"/files/([^/]+)", "retrieve_file"),
        ("GET", r"/fine-tunes/models/limits", "model_limits"),
        ("POST", r"/fine-tunes/estimate-price", "estimate_price"),
        ("POST", r"/fine-tunes", "create_job"),
        ("GET", r"/fine-tunes/([^/]+)", "retrieve_job"),
        ("GET", r"/fine-tunes/([^/]+)/events", "list_events"),
        ("GET", r"/fine-tunes/([^/]+)/metrics", "list_metrics"),
    )

    def upload_url(self, request: Seen) -> Answer:
        form = {name: part.text for name, part in request.form().items()}
        file_id = self.new_id("file-")
        self.files[file_id] = {"form": form, "content": None}
        return Answer(302, None, {"location": f"{self.url}/presigned/{file_id}", "x-together-file-id": file_id})

    def put_content(self, request: Seen, file_id: str) -> Answer:
        self.files[file_id]["content"] = request.body
        return Answer(200, {})

    def _file(self, file_id: str) -> dict:
        entry = self.files[file_id]
        return {
            "id": file_id, "object": "file", "bytes": len(entry["content"]), "created_at": NOW,
            "filename": entry["form"]["file_name"], "FileType": "jsonl", "purpose": entry["form"]["purpose"],
            "processing_status": "COMPLETED",
        }  # fmt: skip

    def preprocess(self, request: Seen, file_id: str) -> Answer:
        return Answer(200, self._file(file_id))

    def retrieve_file(self, request: Seen, file_id: str) -> Answer:
        found = self.files.get(file_id)
        return Answer(200, self._file(file_id)) if found and found["content"] is not None else self.not_found("file")

    def model_limits(self, request: Seen) -> Answer:
        return Answer(200, {**TOGETHER_LIMITS, "model_name": request.query["model_name"]})

    def estimate_price(self, request: Seen) -> Answer:
        return Answer(200, {"estimation_available": True, "allowed_to_proceed": True, "estimated_total_price": 1.5})

    def job_body(self, job_id: str) -> dict:
        job = self.jobs[job_id]
        return {
            "id": job_id, "status": job["status"], "user_id": "user-test", "model": job["request"]["model"],
            "training_file": job["request"]["training_file"], "created_at": "2026-11-22T10:00:00Z",
            "updated_at": "2026-11-22T10:00:00Z",
            "model_output_name": "user-test/model-ft" if job["status"] == "completed" else None,
        }  # fmt: skip

    def list_events(self, request: Seen, job_id: str) -> Answer:
        events = [
            {
                "object": "fine-tune-event",
                "created_at": f"2026-11-22T10:00:{number:02d}Z",
                "type": kind,
                "message": message,
            }
            for number, (kind, message) in enumerate(self.jobs[job_id]["events"])
        ]
        return Answer(200, {"data": events})

    def list_metrics(self, request: Seen, job_id: str) -> Answer:
        since = int(request.query.get("global_step_from", 0))
        rows = [
            row
            for row in self.jobs[job_id]["metrics"]
            if max(v for k, v in row.items() if k.endswith("global_step")) >= since
        ]
        return Answer(200, {"metrics": rows})


# --- Fireworks AI ----------------------------------------------------------------------------

FIREWORKS_SCRIPT = [
    {"status": "JOB_STATE_VALIDATING", "events": ["Validating the dataset"]},
    {"status": "JOB_STATE_RUNNING", "events": ["Training started"], "metrics": [{"epoch": 0, "percent": 50}]},
    {"status": "JOB_STATE_RUNNING", "metrics": [{"epoch": 1, "percent": 100}]},
    {"status": "JOB_STATE_COMPLETED"},
]
ACCOUNT = r"/v1/accounts/([^/]+)"


class FireworksFake(FakeAPI):
    """Datasets become READY at the first look after their bytes arrived (the API reads them first)."""

    script = FIREWORKS_SCRIPT
    routes = (
        ("POST", ACCOUNT + r"/datasets", "create_dataset"),
        ("GET", ACCOUNT + r"/datasets/([^/:]+)", "get_dataset"),
        ("POST", ACCOUNT + r"/datasets/([^/:]+):upload", "upload_dataset"),
        ("POST", ACCOUNT + r"/datasets/([^/:]+):getUploadEndpoint", "upload_endpoint"),
        ("PUT", r"/signed/([^/]+)/([^/]+)", "put_content"),
        ("POST", ACCOUNT + r"/datasets/([^/:]+):validateUpload", "validate_upload"),
        ("POST", ACCOUNT + r"/(supervisedFineTuningJobs|dpoJobs)", "create_job"),
        ("GET", ACCOUNT + r"/(supervisedFineTuningJobs|dpoJobs)/([^/]+)", "retrieve_job"),
    )
    query_ids: ClassVar[dict[str, str]] = {
        "supervisedFineTuningJobs": "supervisedFineTuningJobId",
        "dpoJobs": "dpoJobId",
    }

    def not_found(self, what: str) -> Answer:
        return Answer(404, {"code": 5, "message": f"{what} not found", "details": []})

    def create_dataset(self, request: Seen, account: str) -> Answer:
        body = request.json()
        name = f"accounts/{account}/datasets/{body['datasetId']}"
        if name in self.files:
            return Answer(409, {"code": 6, "message": f"dataset {name} already exists", "details": []})
        self.files[name] = {"content": None, "state": "UPLOADING", "sent": False, "request": body}
        return Answer(200, self._dataset(name))

    def _dataset(self, name: str) -> dict:
        entry = self.files[name]
        return {"name": name, "state": entry["state"], "status": {"code": "OK", "message": ""},
                "exampleCount": entry["request"]["dataset"].get("exampleCount"), "userUploaded": {}}  # fmt: skip

    def get_dataset(self, request: Seen, account: str, dataset_id: str) -> Answer:
        name = f"accounts/{account}/datasets/{dataset_id}"
        if name not in self.files:
            return self.not_found("dataset")
        entry = self.files[name]
        if entry["sent"]:
            entry["state"] = "READY"
        return Answer(200, self._dataset(name))

    def upload_dataset(self, request: Seen, account: str, dataset_id: str) -> Answer:
        name = f"accounts/{account}/datasets/{dataset_id}"
        part = request.form()["file"]
        self.files[name].update(content=part.content, filename=part.filename, sent=True)
        return Answer(200, {"id": dataset_id, "object": "file", "bytes": len(part.content), "filename": part.filename})

    def upload_endpoint(self, request: Seen, account: str, dataset_id: str) -> Answer:
        [filename] = request.json()["filenameToSize"]
        self.files[f"accounts/{account}/datasets/{dataset_id}"]["filename"] = filename
        return Answer(200, {"filenameToSignedUrls": {filename: f"{self.url}/signed/{account}/{dataset_id}"}})

    def put_content(self, request: Seen, account: str, dataset_id: str) -> Answer:
        self.files[f"accounts/{account}/datasets/{dataset_id}"]["content"] = request.body
        return Answer(200, {})

    def validate_upload(self, request: Seen, account: str, dataset_id: str) -> Answer:
        entry = self.files[f"accounts/{account}/datasets/{dataset_id}"]
        entry["sent"] = entry["content"] is not None
        return Answer(200, {})

    def create_job(self, request: Seen, account: str, kind: str) -> Answer:
        job_id = request.query.get(self.query_ids[kind]) or self.new_id("job-")
        name = f"accounts/{account}/{kind}/{job_id}"
        if name in self.jobs:
            return Answer(409, {"code": 6, "message": f"{name} already exists", "details": []})
        self.jobs[name] = {"request": request.json(), "stage": 0, "status": self.script[0]["status"], "events": [],
                           "metrics": [], "script": self.script}  # fmt: skip
        return Answer(200, self.job_body(name))

    def retrieve_job(self, request: Seen, account: str, kind: str, job_id: str) -> Answer:
        name = f"accounts/{account}/{kind}/{job_id}"
        if name not in self.jobs:
            return self.not_found("job")
        self.advance(self.jobs[name])
        return Answer(200, self.job_body(name))

    def job_body(self, name: str) -> dict:
        job = self.jobs[name]
        body = {**job["request"], "name": name, "state": job["status"],
                "status": {"code": "OK", "message": job["events"][-1] if job["events"] else ""},
                "createTime": "2026-11-22T10:00:00Z"}  # fmt: skip
        if job["metrics"]:
            body["jobProgress"] = job["metrics"][-1]
        if job["status"] == "JOB_STATE_COMPLETED":
            body["outputModel"] = f"accounts/{name.split('/')[1]}/models/{name.rpartition('/')[2]}"
        return body


# --- Vertex AI and Cloud Storage -------------------------------------------------------------

VERTEX_SCRIPT = [
    {"status": "JOB_STATE_PENDING"},
    {"status": "JOB_STATE_RUNNING"},
    {"status": "JOB_STATE_RUNNING", "metrics": [1]},
    {"status": "JOB_STATE_RUNNING", "metrics": [2]},
    {"status": "JOB_STATE_SUCCEEDED"},
]
VERTEX_STEPS = 2


class VertexFake(FakeAPI):
    """Vertex AI's tuningJobs (v1beta1, as google-genai sends them) and the Cloud Storage JSON
    API's object uploads (multipart and resumable) and metadata, on one server; and, for
    Application Default Credentials, a Compute Engine metadata server (its project and a token:
    google-auth asks it when GCE_METADATA_HOST and GCE_METADATA_IP point here)."""

    project = "metadata-project"
    token = "ya29.metadata-token"

    job_prefix = ""
    script = VERTEX_SCRIPT
    routes = (
        ("GET", r"/storage/v1/b/([^/]+)/o/([^/]+)", "object_metadata"),
        ("POST", r"/upload/storage/v1/b/([^/]+)/o", "start_upload"),
        ("PUT", r"/upload/resumable/([^/]+)", "resume_upload"),
        ("POST", r"/v1beta1/(projects/[^/]+/locations/[^/]+)/tuningJobs", "create_tuning_job"),
        ("GET", r"/v1beta1/(projects/[^/]+/locations/[^/]+/tuningJobs/[^/]+)", "retrieve_job"),
        ("GET", r"/v1beta1/(projects/[^/]+/locations/[^/]+)/tuningJobs", "list_jobs"),
        ("GET", r"/", "metadata"),
        ("GET", r"/computeMetadata/v1/(.+)", "metadata"),
    )

    def __init__(self):
        super().__init__()
        self.objects: dict[str, bytes] = {}  # "bucket/name" -> content
        self.sessions: dict[str, dict] = {}

    def _object(self, key: str) -> dict:
        import google_crc32c  # the storage SDK's own dependency: it checks the stored object's crc32c

        bucket, _, name = key.partition("/")
        content = self.objects[key]
        return {
            "kind": "storage#object", "bucket": bucket, "name": name, "size": str(len(content)),
            "generation": "1", "metageneration": "1", "contentType": "application/jsonl",
            "crc32c": base64.b64encode(google_crc32c.value(content).to_bytes(4, "big")).decode(),
            "md5Hash": base64.b64encode(hashlib.md5(content).digest()).decode(),
        }  # fmt: skip

    def object_metadata(self, request: Seen, bucket: str, name: str) -> Answer:
        key = f"{bucket}/{unquote(name)}"
        return Answer(200, self._object(key)) if key in self.objects else self.not_found("object")

    def _store(self, key: str, content: bytes, if_generation_match: str | None) -> Answer:
        if if_generation_match == "0" and key in self.objects:
            return Answer(412, {"error": {"code": 412, "message": "At least one of the pre-conditions did not hold."}})
        self.objects[key] = content
        return Answer(200, self._object(key))

    def start_upload(self, request: Seen, bucket: str) -> Answer:
        if request.query["uploadType"] == "resumable":
            session = self.new_id("session-")
            self.sessions[session] = {
                "metadata": request.json(), "bucket": bucket, "query": request.query, "content": b"",
            }  # fmt: skip
            return Answer(200, {}, {"location": f"{self.url}/upload/resumable/{session}"})
        boundary = re.search(r'boundary="?([^";]+)"?', request.headers["content-type"]).group(1).encode()
        metadata_part, content_part = request.body.split(b"--" + boundary)[1:3]
        metadata = json.loads(metadata_part.partition(b"\r\n\r\n")[2])
        content = content_part.partition(b"\r\n\r\n")[2].removesuffix(b"\r\n")
        return self._store(f"{bucket}/{metadata['name']}", content, request.query.get("ifGenerationMatch"))

    def resume_upload(self, request: Seen, session_id: str) -> Answer:
        session = self.sessions[session_id]
        session["content"] += request.body
        total = request.headers.get("content-range", "").rpartition("/")[2]
        if total == "*":
            return Answer(308, None, {"range": f"bytes=0-{len(session['content']) - 1}"})
        key = f"{session['bucket']}/{session['metadata']['name']}"
        return self._store(key, session["content"], session["query"].get("ifGenerationMatch"))

    def metadata(self, request: Seen, path: str = "") -> Answer:
        answers = {
            "": "",
            "project/project-id": self.project,
            "instance/service-accounts/default/": {
                "email": "tuner@metadata-project.iam.gserviceaccount.com", "aliases": ["default"],
                "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            },
            "instance/service-accounts/default/token": {
                "access_token": self.token, "expires_in": 3600, "token_type": "Bearer",
            },
        }  # fmt: skip
        if path not in answers:
            return self.not_found("metadata")
        return Answer(200, answers[path], {"metadata-flavor": "Google"})

    def create_tuning_job(self, request: Seen, parent: str) -> Answer:
        job_id = f"{parent}/tuningJobs/{next(self._ids)}"
        self.jobs[job_id] = {"request": request.json(), "stage": 0, "status": self.script[0]["status"],
                             "events": [], "metrics": [], "script": self.script}  # fmt: skip
        return Answer(200, self.job_body(job_id))

    def list_jobs(self, request: Seen, parent: str) -> Answer:
        wanted = dict(re.findall(r'labels\.([\w-]+)="([^"]*)"', request.query.get("filter", "")))
        found = [
            self.job_body(job_id)
            for job_id, job in self.jobs.items()
            if job_id.startswith(parent + "/") and wanted.items() <= job["request"].get("labels", {}).items()
        ]
        return Answer(200, {"tuningJobs": found})

    def job_body(self, job_id: str) -> dict:
        job = self.jobs[job_id]
        body = {
            "name": job_id, "state": job["status"], "baseModel": job["request"]["baseModel"],
            "labels": job["request"].get("labels", {}), "createTime": "2026-11-22T10:00:00Z",
            "supervisedTuningSpec": job["request"]["supervisedTuningSpec"],
            "tuningDataStats": {"supervisedTuningDataStats": {"tuningStepCount": str(VERTEX_STEPS)}},
        }  # fmt: skip
        if job["metrics"]:
            body["tuningJobMetadata"] = {"completedStepCount": str(job["metrics"][-1])}
        if job["status"] == "JOB_STATE_SUCCEEDED":
            body["tunedModel"] = {"model": f"{job_id.split('/tuningJobs/')[0]}/models/77", "endpoint": "e/1"}
        return body
