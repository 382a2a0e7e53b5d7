"""The HTTP service: one predictor, loaded once, behind FastAPI.

``POST /extract`` and ``POST /entities`` take ``{"text", "date"?, "id"?}`` and answer what ``war-ner extract``
writes for the same report (``model.reports.record_line``: the records are equal). ``GET /health`` names the
model; ``GET /`` is the page (``model.serve.page``). Every error is JSON ``{"detail": one line}`` with a 4xx status
(400 bad JSON, 413 body over the limit, 422 a missing field, a wrong type or a bad date), or 504 when inference
runs past the per-request timeout.

Inference runs in a worker thread (the event loop stays free for other requests and for timeouts), one request at
a time: the fast tokenizer is not safe to call from two threads at once, and one forward pass already uses every
intra-op thread. A request that times out while queued costs nothing; one that times out while running finishes
in its thread and is dropped.

fastapi, pydantic and anyio are imported inside the functions (they come with the ``serve`` extra), so this module
imports without them; annotations are evaluated at definition (no ``from __future__ import annotations``) because
FastAPI reads the endpoints' parameter types from them.
"""
import functools
import json
import threading
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Optional, Union

from model.errors import InputError, require
from model.reports import check_date
from model.serve.page import page

DEFAULT_MAX_BYTES = 1_000_000  # a long report is 20-50 kB of UTF-8; a megabyte leaves room and stops abuse
DEFAULT_TIMEOUT_S = 30.0


@functools.cache
def report_model() -> type:
    """The request body model (pydantic): the report text, and optionally its date (ISO day) and id; strict
    types, no other field."""
    from pydantic import BaseModel, ConfigDict, field_validator

    class ReportIn(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        text: str
        date: Optional[str] = None
        id: Optional[Union[str, int]] = None

        @field_validator("date")
        @classmethod
        def _iso_day(cls, value: Optional[str]) -> Optional[str]:
            try:
                return check_date(value, "")  # pydantic prefixes the field name
            except InputError as exc:
                raise ValueError(str(exc)) from None

    return ReportIn


def model_info(model_dir: Union[str, Path]) -> dict:
    """What ``GET /health`` says about the checkpoint: name, labels, backend, versions."""
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    tags = [config["id2label"][k] for k in sorted(config["id2label"], key=int)]
    name = model_dir.name
    readme = model_dir / "README.md"
    if readme.is_file():  # the model card's title is the run name (war-ner train writes it)
        name = next((line[2:].strip() for line in readme.read_text(encoding="utf-8").splitlines()
                     if line.startswith("# ")), name)
    try:
        version = metadata.version("war-ner")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "model": name, "path": str(model_dir.resolve()),
        "labels": sorted({t.split("-", 1)[1] for t in tags if "-" in t}), "tags": tags,
        "backend": "onnx" if (model_dir / "model.onnx").exists() else "torch",
        "event_heads": (model_dir / "event_heads.json").exists(),
        "version": version, "transformers_version": config.get("transformers_version"),
    }


class _Runner:
    """Runs predictor calls off the event loop, one at a time, each within the timeout."""

    def __init__(self, timeout_s: float):
        import anyio

        self.anyio = anyio
        self.timeout_s = timeout_s
        self._queue = anyio.Lock()  # waiting here is cancellable, so a request that times out in line costs nothing
        self._busy = threading.Lock()  # held by the thread: a timed-out call still running keeps the next one out

    def _locked(self, fn: Callable, *args):
        with self._busy:
            return fn(*args)

    async def __call__(self, fn: Callable, *args):
        from starlette.exceptions import HTTPException

        try:
            with self.anyio.fail_after(self.timeout_s):
                async with self._queue:
                    return await self.anyio.to_thread.run_sync(self._locked, fn, *args, abandon_on_cancel=True)
        except TimeoutError:
            raise HTTPException(504, f"inference took longer than the {self.timeout_s:g} s limit; send a shorter "
                                     "report or raise --timeout") from None


def _validation_message(exc) -> tuple[int, str]:
    """(status, one line) for a request FastAPI could not read into ``ReportIn``."""
    parts, status = [], 422
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            status = 400
            ctx = err.get("ctx", {}).get("error", "")
            parts.append(f"the body is not valid JSON ({ctx} at character {err['loc'][-1]}); expected "
                         '{"text": "...", "date": "YYYY-MM-DD", "id": "..."}')
            continue
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "missing":
            msg = "is missing" if loc != "body" else 'is empty; expected {"text": "..."}'
        elif err.get("type") == "extra_forbidden":
            msg = "is not a field; expected text, date, id"
        elif err.get("type") == "model_attributes_type":
            msg = 'is not a JSON object; expected {"text": "...", "date": "YYYY-MM-DD", "id": "..."}'
        parts.append(f"{loc}: {msg}")
    return status, "; ".join(parts)


def create_app(predictor, info: dict, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout_s: float = DEFAULT_TIMEOUT_S):
    """The service (a FastAPI app) around a loaded ``Predictor``; ``info`` is what ``/health`` reports (see
    ``model_info``)."""
    require("fastapi", "serve", "the war-ner service")
    require("multipart", "serve", "the war-ner service's page (form upload)")
    from fastapi import FastAPI, File, Form, Request, UploadFile
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse
    from starlette.exceptions import HTTPException

    ReportIn = report_model()
    too_large = f"the body is over the {max_bytes:,} byte limit; send one report per request"

    class App(FastAPI):
        """FastAPI with a JSON 413 for a declared Content-Length over the limit. FastAPI's own ``max_body_size``
        (below) counts the bytes of bodies sent without one, but answers a declared one in plain text."""

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
                if declared.isdigit() and int(declared) > max_bytes:
                    return await JSONResponse({"detail": too_large}, status_code=413)(scope, receive, send)
            return await super().__call__(scope, receive, send)

    app = App(title="war-ner", version=info.get("version", "unknown"), max_body_size=max_bytes)
    run = _Runner(timeout_s)
    limits = {"max_bytes": max_bytes, "timeout_s": timeout_s}

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError):
        status, message = _validation_message(exc)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 413:
            detail = too_large
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    def _extract(report: ReportIn) -> dict[str, Any]:
        rid = None if report.id is None else str(report.id)
        entities, records = predictor.extract_all(report.text, report.date, rid)
        return {"id": rid, "entities": [e.to_dict() for e in entities], "records": [r.to_dict() for r in records]}

    def _entities(report: ReportIn) -> dict[str, Any]:
        rid = None if report.id is None else str(report.id)
        return {"id": rid, "entities": [e.to_dict() for e in predictor.predict([report.text])[0]]}

    @app.post("/extract")
    async def extract(report: ReportIn) -> dict:
        """Entities and event records of one report (the records ``war-ner extract`` writes for it)."""
        return await run(_extract, report)

    @app.post("/entities")
    async def entities(report: ReportIn) -> dict:
        """Entities of one report, with character offsets into ``text``."""
        return await run(_entities, report)

    @app.get("/health")
    async def health() -> dict:
        """The model this service runs, its labels and the versions, and the limits."""
        return {"status": "ok", **info, "limits": limits}

    @app.get("/", response_class=HTMLResponse)
    async def form_page() -> HTMLResponse:
        return HTMLResponse(page(info, limits))

    @app.post("/", response_class=HTMLResponse)
    async def submit_page(text: str = Form(""), date: str = Form(""),
                          file: Optional[UploadFile] = File(None)) -> HTMLResponse:
        """The page with the report's highlighted text and events table (or the error, with a 4xx status)."""
        try:
            if file is not None and file.filename:
                text = _upload_text(await file.read())
            if not text.strip():
                raise InputError("no report text", expected="text pasted in the box or a .txt file",
                                 fix="paste a report or choose a file")
            report = ReportIn(text=text, date=check_date(date.strip() or None, ""))
        except InputError as exc:
            return HTMLResponse(page(info, limits, text=text, date=date, error=str(exc)), status_code=422)
        result = await run(predictor.extract_all, report.text, report.date, "report")
        return HTMLResponse(page(info, limits, text=report.text, date=date, result=result))

    return app


def _upload_text(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise InputError("the file is binary (NUL bytes)", expected="a UTF-8 .txt report", fix="choose a .txt file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte {exc.start})", expected="a UTF-8 .txt report",
                         fix="save it as UTF-8") from None


def load_app(model_dir: Union[str, Path], *, threads: Optional[int] = None, max_bytes: int = DEFAULT_MAX_BYTES,
             timeout_s: float = DEFAULT_TIMEOUT_S):
    """Load the checkpoint once and build the service around it."""
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(model_dir, num_threads=threads)
    return create_app(predictor, model_info(model_dir), max_bytes=max_bytes, timeout_s=timeout_s)
