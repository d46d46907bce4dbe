"""fn.external_source(source=...) callbacks translated into tf.data inputs: every kind of source,
batch and per-sample mode, mixed with tf.data inputs."""

import numpy as np
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.inputs_test_utils import samples_dataset, take, with_inputs

BATCH = 2


def source_pipe(**es_kwargs):
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(**es_kwargs) + 0  # arithmetic: the data went through DALI

    return pipe()


def run_source(n_batches=3, extra_inputs=None, **es_kwargs):
    return take(with_inputs(source_pipe(**es_kwargs), extra_inputs or {}, tf.int64), n_batches)


def sample(i):
    return np.array([i, -i], np.int64)


def assert_samples(got, first_ids):
    ids = np.concatenate([b[:, 0] for b in got])
    np.testing.assert_array_equal(ids, first_ids)
    for b in got:
        np.testing.assert_array_equal(b[:, 1], -b[:, 0])


def test_per_sample_callable_gets_sample_info():
    got = run_source(source=lambda info: sample(info.idx_in_epoch), batch=False)
    assert_samples(got, np.arange(6))


def test_per_sample_callable_sees_batch_positions():
    got = run_source(
        source=lambda info: sample(10 * info.iteration + info.idx_in_batch), batch=False
    )
    assert_samples(got, [0, 1, 10, 11, 20, 21])


def test_batch_callable_gets_the_iteration_number():
    got = run_source(source=lambda i: [sample(100 * i + k) for k in range(BATCH)], batch=True)
    assert_samples(got, [0, 1, 100, 101, 200, 201])


def test_batch_callable_with_batch_info():
    got = run_source(
        source=lambda info: np.stack([sample(7 * info.iteration)] * BATCH),
        batch=True,
        batch_info=True,
    )
    assert_samples(got, [0, 0, 7, 7, 14, 14])


def test_callable_without_arguments():
    counter = iter(range(1000))
    got = run_source(source=lambda: [sample(next(counter)) for _ in range(BATCH)], batch=True)
    assert_samples(got, np.arange(6))


def test_generator_function_per_sample():
    def gen():
        for i in range(100):
            yield sample(i)

    assert_samples(run_source(source=gen, batch=False), np.arange(6))


def test_finite_iterable_ends_the_data_without_the_incomplete_batch_like_pipeline_run():
    # 5 samples at batch 2: pipeline.run() gives 2 batches, then raises StopIteration and drops
    # the 5th sample.
    data = [sample(i) for i in range(5)]
    got = run_source(n_batches=10, source=data, batch=False)
    assert [len(b) for b in got] == [2, 2]
    assert_samples(got, np.arange(4))
    assert_same_batches(got, dali_batches(source_pipe(source=data, batch=False)))


def test_finite_batch_iterable_gives_its_smaller_last_batch_like_pipeline_run():
    data = [[sample(0), sample(1)], [sample(2), sample(3)], [sample(4)]]
    got = run_source(n_batches=10, source=data, batch=True)
    assert [len(b) for b in got] == [2, 2, 1]
    assert_samples(got, np.arange(5))
    assert_same_batches(got, dali_batches(source_pipe(source=data, batch=True)))


def test_cycled_iterable_restarts():
    data = [[sample(1), sample(2)], [sample(3), sample(4)]]
    got = run_source(n_batches=3, source=data, batch=True, cycle=True)
    assert_samples(got, [1, 2, 3, 4, 1, 2])


def test_cycled_generator_function_quiet():
    def gen():
        yield sample(5)
        yield sample(6)
        yield sample(7)

    got = run_source(n_batches=3, source=gen, batch=False, cycle="quiet")
    assert_samples(got, [5, 6, 7, 5, 6, 7])


def test_multiple_outputs_share_one_call_per_item():
    calls = []

    def two_outputs(info):
        calls.append(info.idx_in_epoch)
        return sample(info.idx_in_epoch), sample(info.idx_in_epoch) * 10

    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def pipe():
        a, b = fn.external_source(source=two_outputs, num_outputs=2, batch=False)
        return a, b

    got = take(with_inputs(pipe(), {}, (tf.int64, tf.int64)), 3)
    for a, b in got:
        np.testing.assert_array_equal(b, a * 10)
    assert_samples([a for a, _ in got], np.arange(6))
    assert len(calls) == len(set(calls))  # each item computed once, not once per output


def test_mixing_tf_inputs_and_sources():
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def pipe():
        from_tf = fn.external_source(name="from_tf")
        from_py = fn.external_source(
            source=lambda info: np.int32(1000 * info.idx_in_epoch), batch=False
        )
        return from_tf + from_py

    got = take(with_inputs(pipe(), {"from_tf": samples_dataset(6, shape=())}, tf.int32), 10)
    np.testing.assert_array_equal(np.concatenate(got), [1001 * i for i in range(6)])


def test_source_output_types_are_kept():
    @pipeline_def(batch_size=BATCH, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(
            source=lambda info: np.full((2, 2), info.idx_in_epoch, np.float16), batch=False
        )

    got = take(with_inputs(pipe(), {}, tf.float16, (BATCH, 2, 2)), 1)
    assert got[0].dtype == np.float16
    np.testing.assert_array_equal(got[0][:, 0, 0], [0, 1])


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
