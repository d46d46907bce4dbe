"""Helpers for the fault tests: resident memory, scripts run in a fresh interpreter, and a
DALIDatasetWithInputs fed with large samples whose batches can be checked."""

import gc
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf

MB = 1 << 20
BATCH = 4
DEPTH = 3  # prefetch queue depth: batches fed and in flight while an iterator lives


def rss_mb():
    """This process's resident set size (VmRSS), in MB. Skips the test under AddressSanitizer
    (tools/asan_run): its quarantine holds freed memory, so no RSS bound holds there."""
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        import pytest

        pytest.skip("RSS bounds do not hold under AddressSanitizer (its quarantine keeps memory)")
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


def memory_growth(step, warmup, steps):
    """RSS growth (MB) over `steps` calls of step(), after `warmup` calls that let allocator
    pools and caches reach their steady size."""
    for _ in range(warmup):
        step()
    gc.collect()
    start = rss_mb()
    for _ in range(steps):
        step()
    gc.collect()
    return rss_mb() - start


def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 right now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tail(path, chars=3000):
    """The end of the text file `path` (a child process's log)."""
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


def child_env():
    """The environment of a child interpreter that can import dali_tf and the tests."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))


def run_isolated(script, timeout=120):
    """Runs `script` in a fresh interpreter, so that a hang or crash fails the test instead of
    taking the test process down. Returns the child's stdout; fails unless it exits with 0."""
    import pytest

    try:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(script)],
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("hung for %d s" % timeout)
    assert result.returncode == 0, "exit code %d:\n%s" % (result.returncode, result.stderr[-3000:])
    return result.stdout


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None, prefetch_queue_depth=DEPTH)
def head_and_sum(source=None):
    """The first 8 bytes of each sample of input "x", and its sum (which reads every byte).
    With `source`, DALI's own fn.external_source(source=source, batch=False) feeds it instead
    (a reference to run with pipeline.run())."""
    x = (
        fn.external_source(name="x", dtype=types.UINT8)
        if source is None
        else fn.external_source(source=source, batch=False, dtype=types.UINT8)
    )
    return x[0:8], fn.reductions.sum(fn.cast(x, dtype=types.INT64))


def big_samples(count, sample_bytes=MB):
    """Element i: `sample_bytes` bytes, all i % 251, each one freshly allocated and written (so a
    fed tensor never released shows up in the resident memory)."""
    return tf.data.Dataset.range(count).map(
        lambda i: tf.fill([sample_bytes], tf.cast(i % 251, tf.uint8))
    )


def big_sample_arrays(count, sample_bytes=MB):
    """The samples of big_samples(count, sample_bytes), as a list of NumPy arrays."""
    return [np.full(sample_bytes, i % 251, np.uint8) for i in range(count)]


def head_and_sum_dataset(inputs, **kwargs):
    """head_and_sum fed from the dataset `inputs` (per sample)."""
    with tf.device("/cpu:0"):
        return dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=head_and_sum(),
            input_datasets={"x": inputs},
            output_dtypes=(tf.uint8, tf.int64),
            **kwargs,
        )


def check_batch(element, first_sample, sample_bytes=MB, size=BATCH):
    """Asserts `element` (a 2-tuple of tensors) is head_and_sum's batch of big_samples from
    sample `first_sample` on."""
    assert isinstance(element, tuple) and len(element) == 2, element
    head, total = (e.numpy() for e in element)
    values = (np.arange(first_sample, first_sample + size) % 251).astype(np.uint8)
    np.testing.assert_array_equal(head, np.repeat(values[:, None], 8, axis=1))
    np.testing.assert_array_equal(total.reshape(-1), values.astype(np.int64) * sample_bytes)
