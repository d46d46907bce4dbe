"""DALI datasets used from several Python threads: different datasets iterated at once (each gives
exactly what its pipeline run directly gives), and one iterator's next() called from several
threads at once (every batch delivered exactly once, none mixed up)."""

import os
import threading

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common import dataset_pipelines as pipes
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.inputs_test_utils import with_inputs
from tests.common.test_utils import jpeg_dir_fixture

BATCH = 4
JOIN_TIMEOUT = 60


jpeg_root = jpeg_dir_fixture(8)


def run_threads(targets):
    """Runs each callable on its own thread, all at once; re-raises the first error. Fails if a
    thread is still running after JOIN_TIMEOUT s (a hang)."""
    errors = []
    start = threading.Barrier(len(targets))

    def run(target):
        try:
            start.wait()
            target()
        except BaseException as e:  # noqa: B902  (reported on the test's thread)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_datasets_iterated_concurrently_from_threads_equal_pipeline_run(jpeg_root):
    count = 100
    # A reader pipeline and two random ones that differ only by their seed: a batch delivered
    # to the wrong iterator, or built from another pipeline's state, would not match.
    cases = [
        (lambda: pipes.images_and_labels(jpeg_root), (tf.uint8, tf.int32)),
        (lambda: pipes.random_floats(seed=5), tf.float32),
        (lambda: pipes.random_floats(seed=6), tf.float32),
    ]
    got = [[] for _ in cases]

    def iterate(i):
        make, dtypes = cases[i]
        iterator = iter(dali_tf.DALIDataset(make(), output_dtypes=dtypes))
        for _ in range(count):
            got[i].append(pipes.as_numpy(next(iterator)))

    run_threads([lambda i=i: iterate(i) for i in range(len(cases))])
    for (make, _), batches in zip(cases, got):
        assert_same_batches(batches, dali_batches(make(), count))


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
def scaled(factor):
    return fn.external_source(name="x", dtype=types.INT64) * factor


def test_datasets_with_inputs_iterated_concurrently_from_threads():
    count = 100
    got = {}

    def iterate(factor):
        dataset = with_inputs(scaled(factor), {"x": tf.data.Dataset.range(BATCH * count)}, tf.int64)
        got[factor] = [batch.numpy() for (batch,) in dataset]  # one dtype: 1-tuple elements

    run_threads([lambda f=f: iterate(f) for f in (1, -1, 1000)])
    for factor, batches in got.items():
        assert len(batches) == count
        np.testing.assert_array_equal(np.concatenate(batches), np.arange(BATCH * count) * factor)


def next_from_threads(iterator, threads):
    """Calls next(iterator) from `threads` threads at once until the data ends; the batches each
    thread got, as NumPy."""
    got = [[] for _ in range(threads)]

    def pull(i):
        for (batch,) in iterator:  # one dtype: 1-tuple elements
            got[i].append(batch.numpy())

    run_threads([lambda i=i: pull(i) for i in range(threads)])
    return got


def assert_each_batch_once(got, batches):
    """Every batch k (samples k*BATCH ... k*BATCH + BATCH-1) was delivered exactly once, whole."""
    delivered = [b for thread_batches in got for b in thread_batches]
    starts = sorted(int(b.reshape(-1)[0]) for b in delivered)
    assert starts == list(range(0, BATCH * batches, BATCH)), starts
    for b in delivered:
        np.testing.assert_array_equal(
            b.reshape(-1), np.arange(b.reshape(-1)[0], b.reshape(-1)[0] + BATCH)
        )
    assert sum(1 for thread_batches in got if thread_batches) > 1, (
        "one thread took every batch: the threads did not overlap"
    )


def sample_index(info):
    if info.idx_in_epoch >= BATCH * 200:
        raise StopIteration
    return np.array([info.idx_in_epoch], np.int64)


@pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
def numbered_by_source():
    return fn.external_source(source=sample_index, batch=False, dtype=types.INT64) + 0


@pytest.mark.parametrize("fed_by", ["tf_data_input", "source_callback"])
def test_one_iterator_with_inputs_shared_by_threads_delivers_each_batch_once(fed_by):
    batches = 200
    if fed_by == "tf_data_input":
        dataset = with_inputs(scaled(1), {"x": tf.data.Dataset.range(BATCH * batches)}, tf.int64)
    else:
        dataset = with_inputs(numbered_by_source(), {}, tf.int64)
    assert_each_batch_once(next_from_threads(iter(dataset), threads=4), batches)


@pipeline_def(batch_size=BATCH, num_threads=2, device_id=None, prefetch_queue_depth=3)
def numbered_files(files):
    """The label of file i is i: labels count the samples in reading order."""
    _, labels = fn.readers.file(files=files, labels=list(range(len(files))))
    return labels


def test_one_iterator_without_inputs_shared_by_threads_delivers_each_batch_once(tmp_path):
    batches = 100
    files = []
    for i in range(BATCH * batches):
        path = os.path.join(str(tmp_path), "%04d.bin" % i)
        with open(path, "wb") as f:
            f.write(bytes([i % 256]))
        files.append(path)
    iterator = iter(dali_tf.DALIDataset(numbered_files(files), output_dtypes=tf.int32))
    got = [[] for _ in range(4)]

    def pull(i):
        for _ in range(batches // 4):  # the reader wraps around: exactly one epoch in all
            (labels,) = next(iterator)  # one dtype: a 1-tuple element
            got[i].append(labels.numpy())

    run_threads([lambda i=i: pull(i) for i in range(4)])
    assert_each_batch_once(got, batches)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
