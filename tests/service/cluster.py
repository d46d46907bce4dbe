"""A tf.data service cluster of processes on 127.0.0.1 for the tests: a dispatcher and workers
started with ``python -m dali_tf.service`` (or plain TensorFlow servers), and trainer processes.

Every wait is bounded, and every process a cluster started is killed when it is closed (also
when a test fails), so that no test can hang or leave processes behind.
"""

import json
import os
import select
import subprocess
import sys
import time

from tests.common.fault_utils import child_env, free_ports, tail

# Start-up of a server process: importing TensorFlow and DALI and loading the plugin takes 5-30 s
# on a busy 2-core machine.
START_TIMEOUT_S = 120
SERVING = "serving on port"
TRAINER_MAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trainer_main.py")
RESULT_PREFIX = "RESULT "  # trainer_main.py's lines of JSON

# tf.data service servers of plain TensorFlow, without dali_tf's ops.
PLAIN_DISPATCHER = """
import sys, threading
import tensorflow as tf
port = int(sys.argv[1])
server = tf.data.experimental.service.DispatchServer(
    tf.data.experimental.service.DispatcherConfig(port=port))
print("plain dispatcher serving on port %d" % port, flush=True)
threading.Event().wait()
"""
PLAIN_WORKER = """
import sys, threading
import tensorflow as tf
dispatcher, port = sys.argv[1], int(sys.argv[2])
server = tf.data.experimental.service.WorkerServer(tf.data.experimental.service.WorkerConfig(
    dispatcher_address=dispatcher, port=port, worker_address="127.0.0.1:%d" % port))
print("plain worker serving on port %d" % port, flush=True)
threading.Event().wait()
"""


def process_env():
    # CPU only, also on a machine with GPUs; TensorFlow's C++ INFO lines kept out of the logs.
    return dict(child_env(), CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="1")


class Cluster:
    """A dispatcher and workers, each a process with its log in `log_dir`. Use as a context
    manager: leaving it kills every process it started."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self._procs = []  # (name, Popen, log path)
        self.dispatcher_port = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def dispatcher(self):
        """The dispatcher's host:port."""
        return "127.0.0.1:%d" % self.dispatcher_port

    @property
    def target(self):
        """What trainers give distribute(service=...)."""
        return "grpc://" + self.dispatcher

    def _start(self, name, args):
        log = os.path.join(self.log_dir, "%s.log" % name)
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable] + args, env=process_env(), stdout=out, stderr=subprocess.STDOUT
            )
        self._procs.append((name, proc, log))
        return proc, log

    def start_dispatcher(self, plugin=True):
        """The dispatcher process; with plugin=False a plain TensorFlow one."""
        (self.dispatcher_port,) = free_ports(1)
        port = str(self.dispatcher_port)
        if plugin:
            args = ["-m", "dali_tf.service", "dispatcher", "--port", port]
        else:
            args = ["-c", PLAIN_DISPATCHER, port]
        return self._start("dispatcher", args)

    def start_worker(self, name, port=None, plugin=True):
        """A worker process on `port` (a free one by default), registered as 127.0.0.1:port. With
        plugin=False it is a plain TensorFlow worker, without dali_tf's ops."""
        port = port or free_ports(1)[0]
        if plugin:
            args = ["-m", "dali_tf.service", "worker", "--dispatcher", self.dispatcher]
            args += ["--port", str(port), "--worker_address", "127.0.0.1:%d" % port]
        else:
            args = ["-c", PLAIN_WORKER, self.dispatcher, str(port)]
        proc, log = self._start(name, args)
        return proc, log, port

    def wait_serving(self, *started):
        """Waits until each of the (proc, log, ...) `started` printed that it serves."""
        deadline = time.monotonic() + START_TIMEOUT_S
        for proc, log, *_ in started:
            while True:
                if SERVING in tail(log, 100000):
                    break
                if proc.poll() is not None:
                    raise AssertionError(
                        "%s exited with %d before serving:\n%s" % (log, proc.returncode, tail(log))
                    )
                if time.monotonic() > deadline:
                    raise AssertionError(
                        "%s did not start in %d s:\n%s" % (log, START_TIMEOUT_S, tail(log))
                    )
                time.sleep(0.2)

    def logs(self):
        return "\n".join("--- %s\n%s" % (name, tail(log, 1500)) for name, _, log in self._procs)

    def close(self):
        for _, proc, _ in self._procs:
            if proc.poll() is None:
                proc.kill()
        for _, proc, _ in self._procs:
            proc.wait()


class Trainer:
    """trainer_main.py in its own process, which prints one JSON object per line (see there).
    Its output is read line by line with a timeout, and kept in `log_path`. Use as a context
    manager: leaving it kills the process if it still runs."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "a")  # O_APPEND: shared with the process's stderr
        self.proc = subprocess.Popen(
            [sys.executable, TRAINER_MAIN] + [str(a) for a in args],
            env=process_env(),
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()

    def next_result(self, timeout):
        """The next JSON object the trainer printed; None when it printed none within `timeout`
        s; EOFError when it exited."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if not ready:
                return None
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise EOFError("the trainer exited with %d" % self.proc.returncode)
            self._log.write(line)
            self._log.flush()
            if line.startswith(RESULT_PREFIX):
                return json.loads(line[len(RESULT_PREFIX) :])

    def results(self, timeout):
        """Every JSON object until the trainer exits (which it must, with 0, within `timeout`
        s)."""
        deadline = time.monotonic() + timeout
        results = []
        while True:
            try:
                result = self.next_result(deadline - time.monotonic())
            except EOFError:
                break
            if result is None:
                raise AssertionError(
                    "the trainer did not finish in %d s:\n%s" % (timeout, self.stderr())
                )
            results.append(result)
        assert self.proc.returncode == 0, "the trainer exited with %d:\n%s" % (
            self.proc.returncode,
            self.stderr(),
        )
        return results

    def stderr(self):
        self._log.flush()
        return tail(self.log_path)
