"""How long a process takes to exit after using DALI datasets: with a few hundred iterators still
alive (ended in errors, exhausted, abandoned mid-batch), and with a tf.data thread blocked for good
inside a source= callback. Each case runs in a fresh interpreter that prints the time its script
ended; the exit time is from then until the process is gone (Python's own finalization, a second
or two on a loaded machine, included)."""

import textwrap
import time

import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
from tests.common.fault_utils import run_isolated

END_MARK = "script ended at "


def exit_seconds(script, timeout):
    """Runs `script` in a fresh interpreter (run_isolated); returns (its stdout, seconds from the
    end of the script to the end of the process)."""
    script = textwrap.dedent(script) + "\nprint(%r + repr(time.time()), flush=True)\n" % END_MARK
    stdout = run_isolated(script, timeout=timeout)
    gone = time.time()
    ended = [line for line in stdout.splitlines() if line.startswith(END_MARK)]
    assert ended, "the script did not run to its end:\n%s" % stdout
    return stdout, gone - float(ended[-1][len(END_MARK) :])


# Iterators of every way a DALIDatasetWithInputs iteration ends badly, kept alive until exit as
# the exceptions' tracebacks keep them in a test process (reference cycles that only the last
# garbage collection, at exit, frees). Every other one runs under a tf.data prefetch.
MANY_ITERATORS = """
    import os, time
    import numpy as np
    import tensorflow as tf
    from nvidia.dali import fn, pipeline_def, types
    import dali_tf

    # One core: the thread a cancellation wakes then runs before the cancelling thread goes on,
    # which is when TensorFlow's autotuning model thread missed its cancellation and made each
    # iterator's destruction sleep out the model's optimization period. A loaded machine does it
    # by chance (minutes to exit, or a hang); here it happens every time.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def named_input():
        return fn.external_source(name="x", dtype=types.INT32) + 0

    def fails_at_3(info):
        if info.idx_in_epoch == 3:
            raise ValueError("sample 3 is corrupt")
        return np.full(3, info.idx_in_epoch, np.int32)

    def endless(info):
        return np.full(3, info.idx_in_epoch, np.int32)

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def from_source(source):
        return fn.external_source(source=source, batch=False, dtype=types.INT32) + 0

    def with_input(elements, batch=False):
        return dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=named_input(), output_dtypes=(tf.int32,),
            input_datasets={"x": dali_tf.experimental.Input(elements, batch=batch)})

    def dataset(kind):
        with tf.device("/cpu:0"):
            if kind == "samples of different shapes":
                return with_input(tf.data.Dataset.range(1, 50).map(
                    lambda n: tf.range(n, dtype=tf.int32)))
            if kind == "input exhausted mid-batch":
                return with_input(tf.data.Dataset.range(5).map(
                    lambda n: tf.fill([3], tf.cast(n, tf.int32))))
            if kind == "batch larger than batch_size":
                return with_input(tf.data.Dataset.range(40).map(
                    lambda n: tf.fill([3], tf.cast(n, tf.int32))).batch(4), batch=True)
            if kind == "callback raising":
                return dali_tf.experimental.DALIDatasetWithInputs(
                    pipeline=from_source(fails_at_3), output_dtypes=(tf.int32,))
            return dali_tf.experimental.DALIDatasetWithInputs(  # abandoned mid-iteration
                pipeline=from_source(endless), output_dtypes=(tf.int32,))

    KINDS = ["samples of different shapes", "input exhausted mid-batch",
             "batch larger than batch_size", "callback raising", "abandoned"]
    ended = {kind: [] for kind in KINDS}
    kept = []

    def run(i):
        kind = KINDS[i % len(KINDS)]
        iterator = iter(dataset(kind).prefetch(2) if i % 2 else dataset(kind))
        try:
            for _ in range(2 if kind == "abandoned" else 30):
                next(iterator)
            ended[kind].append("abandoned")
        except StopIteration:
            ended[kind].append("end of data")
        except tf.errors.OpError as e:
            ended[kind].append(type(e).__name__)
            kept.append(e)  # its traceback keeps `iterator`, as in a test process
        kept.append(iterator)

    for i in range(150):
        run(i)
    time.sleep(2)  # the iterators' autotuning (if any) now waits for seconds between runs
    for kind, how in ended.items():
        print(kind, sorted(set(how)))
"""


def test_process_with_many_failed_and_abandoned_iterators_exits_promptly():
    out, seconds = exit_seconds(MANY_ITERATORS, timeout=120)
    # Each kind ended the way it was meant to, so the iterators left at exit are of every kind.
    assert "samples of different shapes ['InvalidArgumentError']" in out, out
    assert "input exhausted mid-batch ['end of data']" in out, out
    assert "batch larger than batch_size ['InvalidArgumentError']" in out, out
    assert "callback raising ['InvalidArgumentError']" in out, out  # py_func's ValueError
    assert "abandoned ['abandoned']" in out, out
    # About 4 s measured (1 to 2 s of it Python's own finalization); minutes before the fix.
    assert seconds < 20, "exit took %.1f s with 150 iterators alive" % seconds


def test_dali_datasets_do_not_autotune_unless_asked():
    # What makes that exit prompt: an iterator without tf.data autotuning has no model thread to
    # wait for when it is destroyed. A later with_options still turns autotuning on.
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.random.uniform(range=[0.0, 1.0], shape=[2])

    with tf.device("/cpu:0"):
        dataset = dali_tf.DALIDataset(pipe(), output_dtypes=(tf.float32,))
    assert dataset.options().autotune.enabled is False
    assert dataset.prefetch(2).map(lambda x: x).options().autotune.enabled is False
    asked = tf.data.Options()
    asked.autotune.enabled = True
    assert dataset.with_options(asked).options().autotune.enabled is True


BLOCKED_CALLBACK = """
    import queue, threading, time
    import numpy as np
    import tensorflow as tf
    from nvidia.dali import fn, pipeline_def, types
    import dali_tf

    never_filled = queue.Queue()
    blocked = threading.Event()

    def source(info):
        if info.idx_in_epoch >= 8:
            blocked.set()
            never_filled.get()
        return np.full(16, info.idx_in_epoch, np.uint8)

    @pipeline_def(batch_size=2, num_threads=1, device_id=None, prefetch_queue_depth=2)
    def pipe():
        return fn.external_source(source=source, batch=False, dtype=types.UINT8)

    with tf.device("/cpu:0"):
        dataset = dali_tf.experimental.DALIDatasetWithInputs(
            pipeline=pipe(), output_dtypes=(tf.uint8,)).prefetch(2)
    iterator = iter(dataset)
    for b in range(2):
        head = tf.nest.flatten(next(iterator))[0].numpy()
        assert (head[:, 0] == [2 * b, 2 * b + 1]).all(), head
    # The prefetch thread goes on reading ahead until the callback blocks.
    assert blocked.wait(60), "the callback was never called past sample 8"
"""


def test_process_exits_promptly_with_a_callback_blocked_for_good():
    from dali_tf._loader import EXIT_WAIT_FOR_INPUTS_MS

    out, seconds = exit_seconds(BLOCKED_CALLBACK, timeout=120)
    # About 1.5 s measured on an idle machine: 0.5 s waiting for the blocked pull, then Python's
    # own finalization (11.7 s before, waiting out the whole 10 s for it). The bound is that
    # whole wait, which the exit must not sit out: finalization alone took 5.5 s on a machine
    # loaded five times over.
    assert seconds < EXIT_WAIT_FOR_INPUTS_MS / 1000.0, (
        "exit took %.1f s with a source= callback blocked" % seconds
    )


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
