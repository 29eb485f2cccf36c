"""Run ft-lint in a child process under a time and memory limit, for the hostile-input suite.

A hostile input may hang or take all memory: run in-process, it would take pytest with it. The
child gets its own process group (so a timeout kills its workers too), an address-space limit,
and its stdout and stderr go to files (a pipe that nobody reads could block it).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Limited:
    code: int | None  # None: killed at the time limit
    out: str
    err: str
    seconds: float
    peak_mb: float  # peak resident memory of the child (the largest of its processes)

    @property
    def timed_out(self) -> bool:
        return self.code is None


def run_limited(
    *args: str,
    cwd: Path | None = None,
    seconds: float = 60,
    memory_mb: int = 2048,
    env: dict[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> Limited:
    """`python -m ft_lint ARGS`, killed after `seconds`; its address space is capped at `memory_mb`."""

    def limit() -> None:
        os.setsid()
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "ft_lint", *args],
            cwd=cwd,
            stdin=stdin,
            stdout=out,
            stderr=err,
            env=env,
            preexec_fn=limit,
        )
        code: int | None = None
        peak_kb = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                peak_kb = usage.ru_maxrss
                break
            if time.monotonic() - start > seconds:
                os.killpg(child.pid, signal.SIGKILL)
                _, _, usage = os.wait4(child.pid, 0)
                peak_kb = usage.ru_maxrss
                break
            time.sleep(0.02)
        child.returncode = code if code is not None else -9  # reaped above; keep Popen from waiting again
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Limited(
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            elapsed,
            peak_kb / 1024,
        )
