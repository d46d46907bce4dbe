"""The legacy Dali op gives exactly what DALI gives: TF1 sessions, tf.function, dense and sparse."""

import contextlib
import gc
import threading

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework import kernels

import dali_tf
from dali_tf import _loader
from tests.common import test_utils
from tests.common.dali_reference import assert_same_batches, dali_batches, dali_sample_batches
from tests.common.fault_utils import rss_mb
from tests.common.legacy_pipelines import (
    SIX_DTYPES,
    check_ragged_outputs,
    expected_sparse,
    jpeg_pipeline,
    ragged_pipeline,
    six_dtypes_pipeline,
)

BATCH = 4
ITERATIONS = 3  # with 8 files and batch 4: crosses an epoch boundary


jpeg_dir = test_utils.jpeg_dir_fixture(8)


@contextlib.contextmanager
def cpu_graph():
    """A new default graph whose ops get the CPU kernel (the GPU one has its own tests)."""
    with tf.Graph().as_default() as graph, tf.device("/CPU:0"):
        yield graph


def run_in_session(outputs, iterations=ITERATIONS):
    with tf.compat.v1.Session() as session:
        return [session.run(outputs) for _ in range(iterations)]


def test_library_has_the_op_with_cpu_and_gpu_kernels():
    assert hasattr(_loader.ops(), "dali")
    devices = {k.device_type for k in kernels.get_registered_kernels_for_op("Dali").kernel}
    assert devices == {"CPU", "GPU"}


@pytest.mark.parametrize("exec_dynamic", [False, True])
def test_session_outputs_equal_pipeline_run(jpeg_dir, exec_dynamic):
    with cpu_graph():
        outputs = dali_tf.dali(
            pipeline=jpeg_pipeline(jpeg_dir, batch_size=BATCH, exec_dynamic=exec_dynamic),
            shapes=[(BATCH, 32, 32, 3), (BATCH, 1), (BATCH, 2)],
            dtypes=[tf.uint8, tf.int32, tf.float32],
        )
        assert [o.shape.as_list() for o in outputs] == [[BATCH, 32, 32, 3], [BATCH, 1], [BATCH, 2]]
        got = run_in_session(outputs)
    assert_same_batches(got, dali_batches(jpeg_pipeline(jpeg_dir, batch_size=BATCH), ITERATIONS))


def test_zero_copy_outputs_stay_valid_after_later_batches_and_the_pipeline(jpeg_dir):
    # With exec_dynamic the op hands DALI's CPU buffers to TF without a copy. Holding more
    # batches than the prefetch queue is deep would expose reused buffers; dropping the function
    # destroys the kernel and its pipeline.
    iterations = 6
    pipe = jpeg_pipeline(jpeg_dir, batch_size=BATCH, exec_dynamic=True)

    @tf.function
    def next_batch():
        with tf.device("/CPU:0"):
            # `pipe` is read when the function is traced, before `del pipe` below.
            return dali_tf.dali(
                pipeline=pipe,  # noqa: F821
                shapes=[(BATCH, 32, 32, 3), (BATCH, 1), (BATCH, 2)],
                dtypes=[tf.uint8, tf.int32, tf.float32],
            )

    held = [next_batch() for _ in range(iterations)]
    del next_batch, pipe
    gc.collect()
    assert_same_batches(
        [[output.numpy() for output in batch] for batch in held],
        dali_batches(jpeg_pipeline(jpeg_dir, batch_size=BATCH), iterations),
    )


def test_each_supported_dtype():
    with cpu_graph():
        outputs = dali_tf.dali(
            serialized_pipeline=six_dtypes_pipeline(batch_size=BATCH).serialize(),
            shapes=[(BATCH, 2, 3)] * 6,
            dtypes=[name for _, name in SIX_DTYPES],
        )
        got = run_in_session(outputs, iterations=2)
    for got_batch in got:
        assert [output.dtype for output in got_batch] == [np.dtype(name) for _, name in SIX_DTYPES]
    assert_same_batches(got, dali_batches(six_dtypes_pipeline(batch_size=BATCH), 2))


def test_every_attr_is_applied_without_changing_the_data():
    with cpu_graph():
        outputs = dali_tf.dali(
            serialized_pipeline=six_dtypes_pipeline(batch_size=8).serialize(),
            batch_size=BATCH,
            shapes=[(BATCH, 2, 3)] * 6,
            dtypes=[name for _, name in SIX_DTYPES],
            num_threads=2,
            device_id=None,
            exec_separated=True,
            exec_dynamic=False,
            gpu_prefetch_queue_depth=3,
            cpu_prefetch_queue_depth=3,
            enable_memory_stats=True,
            seed=1234,  # the pipeline's own: the same data
        )
        got = run_in_session(outputs, iterations=4)
    assert_same_batches(got, dali_batches(six_dtypes_pipeline(batch_size=BATCH), 4))


def test_concurrent_session_runs_get_distinct_batches():
    runs_per_thread, threads = 3, 2
    with cpu_graph():
        int64_output = dali_tf.dali(
            pipeline=six_dtypes_pipeline(batch_size=BATCH),
            shapes=[(BATCH, 2, 3)] * 6,
            dtypes=[name for _, name in SIX_DTYPES],
        )[5]
        with tf.compat.v1.Session() as session:
            results = []

            def run():
                results.extend(session.run(int64_output).tobytes() for _ in range(runs_per_thread))

            workers = [threading.Thread(target=run) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
    expected = dali_batches(six_dtypes_pipeline(batch_size=BATCH), runs_per_thread * threads)
    assert sorted(results) == sorted(batch[5].tobytes() for batch in expected)


def test_repeated_create_run_destroy_neither_hangs_nor_leaks():
    def cycle():  # the session closes with prefetched batches still queued
        with cpu_graph():
            outputs = dali_tf.dali(
                pipeline=six_dtypes_pipeline(batch_size=BATCH),
                shapes=[(BATCH, 2, 3)] * 6,
                dtypes=[name for _, name in SIX_DTYPES],
            )
            run_in_session(outputs, iterations=1)

    for _ in range(5):  # DALI's memory pools and TF's caches settle
        cycle()
    before = rss_mb()
    for _ in range(50):
        cycle()
    assert rss_mb() - before < 10


def test_batch_size_is_inferred_from_the_first_dense_shape():
    # The pipeline was serialized with batch 8; the shapes ask for 3.
    serialized = six_dtypes_pipeline(batch_size=8).serialize()
    with cpu_graph():
        outputs = dali_tf.dali(
            serialized_pipeline=serialized,
            shapes=[(3, 2, 3)] + [None] * 5,
            dtypes=[name for _, name in SIX_DTYPES],
        )
        got = run_in_session(outputs, iterations=1)[0]
    assert got[5].shape == (3, 2, 3)
    assert_same_batches([got], dali_batches(six_dtypes_pipeline(batch_size=3), 1))


def test_sparse_outputs_reassemble_to_the_samples():
    with cpu_graph():
        matrices, vectors, dense = dali_tf.dali(
            pipeline=ragged_pipeline(batch_size=BATCH),
            shapes=[(BATCH, None, None), (BATCH, None), (BATCH, 2)],
            dtypes=[tf.float32, tf.int16, tf.float32],
            sparse=[True, True, False],
        )
        assert isinstance(matrices, tf.SparseTensor) and isinstance(vectors, tf.SparseTensor)
        assert matrices.indices.shape.as_list() == [None, 3]
        assert vectors.dense_shape.shape.as_list() == [2]
        padded = tf.sparse.to_dense(matrices)
        got = run_in_session([matrices, vectors, dense])
        got_padded = run_in_session(padded, iterations=1)[0]
    expected = dali_sample_batches(ragged_pipeline(batch_size=BATCH), ITERATIONS)
    check_ragged_outputs(got, expected)
    # Zero padding around each sample, the sample itself in the corner.
    for i, sample in enumerate(expected[0][0]):
        h, w = sample.shape
        np.testing.assert_array_equal(got_padded[i, :h, :w], sample)
        assert not got_padded[i, h:, :].any() and not got_padded[i, :, w:].any()


def test_tf_function_yields_successive_batches():
    pipe = ragged_pipeline(batch_size=BATCH)

    @tf.function
    def next_batch():
        with tf.device("/CPU:0"):
            return dali_tf.dali(
                pipeline=pipe,
                shapes=[(BATCH, None, None), (BATCH, None), (BATCH, 2)],
                dtypes=[tf.float32, tf.int16, tf.float32],
                sparse=[True, True, False],
            )

    got = [
        [o.numpy() if isinstance(o, tf.Tensor) else o for o in next_batch()]
        for _ in range(ITERATIONS)
    ]
    check_ragged_outputs(got, dali_sample_batches(ragged_pipeline(batch_size=BATCH), ITERATIONS))


def test_iterator_functions():
    assert dali_tf.DALIIterator() is dali_tf.dali
    raw = dali_tf.DALIRawIterator()
    # The raw op takes one dtype and shape per produced tensor: three for a sparse output.
    with cpu_graph():
        produced = raw(
            serialized_pipeline=ragged_pipeline(batch_size=BATCH).serialize(),
            sparse=[True, True, False],
            batch_size=BATCH,
            dtypes=[tf.int64, tf.float32, tf.int64, tf.int64, tf.int16, tf.int64, tf.float32],
            shapes=[(None, 3), (None,), (3,), (None, 2), (None,), (2,), (BATCH, 2)],
        )
        assert len(produced) == 7
        got = run_in_session(produced, iterations=1)[0]
    (matrices, vectors, dense) = dali_sample_batches(ragged_pipeline(batch_size=BATCH), 1)[0]
    for first, expected_samples in ((0, matrices), (3, vectors)):
        for got_tensor, expected_tensor in zip(
            got[first : first + 3], expected_sparse(expected_samples)
        ):
            np.testing.assert_array_equal(got_tensor, expected_tensor)
    np.testing.assert_array_equal(got[6], np.stack(dense))


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
