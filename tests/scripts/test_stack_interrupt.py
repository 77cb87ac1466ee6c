"""`make stack`: Ctrl-C stops everything and exits quietly (130), even when pressed again while stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.paths import SCRIPTS

# The stack's main with its servers replaced by stand-ins: starting "takes" a while (Ctrl-C lands there),
# and stopping takes a while too (a second Ctrl-C lands there), and each says when it ran.
_HARNESS = """
import sys, time
import oms_stack.__main__ as stack
from oms.cli.devstack import Stack

def slow_env(root, dbs, **_):
    print("starting", flush=True)
    time.sleep(30)

def slow_stop(self):
    print("stopping", flush=True)
    time.sleep(1.5)
    print("stopped", flush=True)

stack.app_env = slow_env
Stack.stop = slow_stop
sys.exit(stack.run())
"""


def _interrupt(tmp_path: Path, times: int) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PYTHONPATH", "")]),
        "STACK_DIR": str(tmp_path / "stack"),
        "STACK_PORT": "1",  # never bound: the stand-ins start nothing
        "STACK_METRICS_PORT": "2",
    }
    proc = subprocess.Popen(  # noqa: S603  # our own interpreter and harness
        [sys.executable, "-c", _HARNESS], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "starting"
    proc.send_signal(signal.SIGINT)
    if times > 1:
        assert proc.stdout.readline().strip() == "stopping"
        for _ in range(times - 1):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.1)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_stops_everything_without_a_traceback(tmp_path: Path) -> None:
    done = _interrupt(tmp_path, 1)
    assert done.returncode == 130
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    assert done.stdout.splitlines()[-1] == "stopped"
    assert not (tmp_path / "stack" / "stack.pid").exists()


def test_ctrl_c_again_while_stopping_does_not_cut_it_short(tmp_path: Path) -> None:
    done = _interrupt(tmp_path, 3)
    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[-1] == "stopped"
