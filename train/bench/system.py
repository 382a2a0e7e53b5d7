"""What the benchmark ran on: CPU model and ISA flags, library versions, threads, memory of this process."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Optional

# The instruction sets that decide which int8/fp32 kernels ONNX Runtime and torch pick: VNNI and AMX make int8
# matrix products several times faster than AVX2 alone, so a speed-up measured with them may not carry over.
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
             "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "sve", "i8mm")
LIBRARIES = ("torch", "transformers", "tokenizers", "onnxruntime", "onnx", "numpy")


def _from_proc_cpuinfo(text: str) -> dict:
    """Model name and flags from ``/proc/cpuinfo`` (x86: ``model name``/``flags``; ARM: ``Features``)."""
    model, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return {"model": model, "flags": flags}


def _from_sysctl() -> dict:
    """macOS: brand string and feature lists from ``sysctl`` (Intel: ``machdep.cpu.*``; Apple silicon: hw.optional)."""
    def read(key: str) -> str:
        try:
            return subprocess.run(["sysctl", "-n", key], capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    flags = set()
    for key in ("machdep.cpu.features", "machdep.cpu.leaf7_features"):
        flags.update(f.lower().replace(".", "_") for f in read(key).split())
    if read("hw.optional.arm.FEAT_DotProd") == "1":
        flags.add("asimddp")
    if read("hw.optional.arm.FEAT_I8MM") == "1":
        flags.add("i8mm")
    return {"model": read("machdep.cpu.brand_string") or None, "flags": flags}


def cpu_info(cpuinfo_path: str | os.PathLike = "/proc/cpuinfo") -> dict:
    """CPU model, the ISA flags of ``ISA_FLAGS`` (True/False; None where the OS does not say), and where from."""
    path = Path(cpuinfo_path)
    found: dict = {"model": None, "flags": None}
    source = None
    if path.exists():
        try:
            found, source = _from_proc_cpuinfo(path.read_text(encoding="utf-8", errors="replace")), str(path)
        except OSError:
            pass
    if source is None and sys.platform == "darwin":
        found, source = _from_sysctl(), "sysctl"
    flags = found.get("flags")
    return {
        "model": found.get("model") or platform.processor() or None,
        "machine": platform.machine(),
        "logical_cpus": os.cpu_count(),
        "isa": {f: (f in flags) if flags else None for f in ISA_FLAGS},
        "source": source or "platform (no flag list on this OS)",
    }


def library_versions() -> dict:
    """Versions of the libraries whose kernels are timed (None when one is not installed), and Python's."""
    from importlib import metadata

    out: dict[str, Optional[str]] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine_info(threads: int) -> dict:
    """Everything about this machine the bench JSON records."""
    return {"platform": platform.platform(), "cpu": cpu_info(), "versions": library_versions(), "threads": threads,
            "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def memory_mb() -> dict:
    """Peak and current RSS of this process in MiB (``VmHWM`` is per address space: it starts afresh at exec)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":", 1)
                out["peak_rss_mb" if key == "VmHWM" else "rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    if "peak_rss_mb" not in out:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)
    return out


def set_threads(threads: int, torch_too: bool = True) -> None:
    """Pin the thread pools of this process (ONNX Runtime's own pool is set through ``Predictor``)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if torch_too:
        import torch

        torch.set_num_threads(threads)
