"""DALI's worker threads never take asynchronous signals (Ctrl-C's SIGINT, SIGTERM): a DALI
thread pool worker interrupted by a Python signal handler loses track of its work and hangs the
pipeline, so the plugin starts DALI's threads with those signals blocked
(cc/common/signal_mask.h)."""

import os
import signal

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf


def dali_threads_and_blocked_signals():
    """{thread name: set of blocked signal numbers} for DALI's threads in this process."""
    found = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/comm" % tid) as f:
                name = f.read().strip()
            with open("/proc/self/task/%s/status" % tid) as f:
                mask = int(next(l.split()[1] for l in f if l.startswith("SigBlk:")), 16)
        except (OSError, StopIteration):
            continue  # the thread ended meanwhile
        if name.startswith("[DALI]"):
            found["%s/%s" % (name, tid)] = {s for s in range(1, 65) if mask & (1 << (s - 1))}
    return found


@pipeline_def(batch_size=2, num_threads=2, device_id=None)
def constant_pipeline():
    return fn.constant(idata=[1, 2, 3], dtype=types.INT32)


@pipeline_def(batch_size=2, num_threads=2, device_id=None)
def input_pipeline():
    return fn.external_source(name="x") + 1


def start_dataset():
    iterator = iter(dali_tf.DALIDataset(constant_pipeline(), output_dtypes=tf.int32))
    next(iterator)
    return iterator


def start_dataset_with_inputs():
    inputs = tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.int32))
    iterator = iter(
        dali_tf.experimental.DALIDatasetWithInputs(
            input_pipeline(), output_dtypes=tf.int32, input_datasets={"x": inputs}
        )
    )
    next(iterator)
    return iterator


def start_legacy_op():
    @tf.function
    def run():
        return dali_tf.dali(pipeline=constant_pipeline(), shapes=[(2, 3)], dtypes=[tf.int32])

    return run, run()


@pytest.mark.parametrize("start", [start_dataset, start_dataset_with_inputs, start_legacy_op])
def test_dali_threads_block_asynchronous_signals(start):
    before = set(dali_threads_and_blocked_signals())
    keep_alive = start()
    threads = {
        name: blocked
        for name, blocked in dali_threads_and_blocked_signals().items()
        if name not in before
    }
    assert threads, "no DALI thread was started"
    for name, blocked in threads.items():
        assert {signal.SIGINT, signal.SIGTERM, signal.SIGUSR1} <= blocked, name
        assert not {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE} & blocked, name
    del keep_alive


def test_the_calling_thread_keeps_its_signals():
    start_dataset()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
