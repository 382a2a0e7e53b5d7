"""``war-ner serve``: the HTTP service (``model/serve``) on uvicorn, the model loaded once."""
from __future__ import annotations

import sys

from train.cli_checks import positive_int


def _positive_float(value: str) -> float:
    import argparse

    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found {value!r}; expected a number of seconds") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"found {x}; expected a positive number of seconds")
    return x


def _serve(args) -> int:
    from model.errors import require
    from train.cli_checks import checkpoint_dir

    checkpoint_dir(args.model)
    for module in ("fastapi", "uvicorn", "multipart"):  # all three before the model loads
        require(module, "serve", "`war-ner serve`")
    import uvicorn

    from model.serve.app import load_app

    app = load_app(args.model, threads=args.threads, max_bytes=args.max_bytes, timeout_s=args.timeout)
    print(f"war-ner serve: {args.model} on http://{args.host}:{args.port}/ (page), POST /extract, POST /entities, "
          "GET /health", file=sys.stderr)
    # One process: the model is loaded once; run more instances behind a load balancer to use more cores.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=5)
    return 0


def add_commands(sub) -> None:
    """Register ``serve``."""
    p = sub.add_parser("serve", help="HTTP service: POST /extract, POST /entities, GET /health, and a page at / "
                       "(needs the serve extra)")
    p.add_argument("--model", required=True, help="checkpoint folder (war-ner train) or its ONNX export")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-bytes", type=positive_int, default=1_000_000, help="largest request body (413 above)")
    p.add_argument("--timeout", type=_positive_float, default=30.0, help="seconds per request (504 above)")
    p.add_argument("--threads", type=positive_int, help="intra-op threads for inference (default: the library's)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=_serve)
