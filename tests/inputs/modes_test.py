"""DALIDatasetWithInputs: per-sample and batch mode, layouts, several inputs, end of data."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def

import dali_tf
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.inputs_test_utils import layout_of, samples, samples_dataset, take, with_inputs

BATCH = 3


@pipeline_def(batch_size=BATCH, num_threads=2, device_id=None)
def doubled(source=None, batch=False):
    """Input "x" doubled. With `source`, DALI's own fn.external_source(source=source,
    batch=batch) feeds it instead: the reference run directly with pipeline.run()."""
    x = (
        fn.external_source(name="x")
        if source is None
        else fn.external_source(source=source, batch=batch)
    )
    return x * 2


@pipeline_def(batch_size=BATCH, num_threads=2, device_id=None)
def doubled_batch_node():
    return fn.external_source(name="x", batch=True) * 2


def dali_doubled(count, batch=False):
    """The reference: DALI's own pipeline.run() of doubled() fed samples(count) (the samples of
    samples_dataset(count)) by fn.external_source(source=), per sample or, with batch=True, in
    batches of BATCH, until the end of data."""
    data = samples(count)
    if batch:
        data = [np.stack(data[k : k + BATCH]) for k in range(0, count, BATCH)]
    return dali_batches(doubled(source=data, batch=batch))


def test_single_dtype_gives_a_1_tuple_like_nvidias_plugin():
    dataset = with_inputs(doubled(), {"x": samples_dataset(6)}, tf.int32, (BATCH, 3))
    assert dataset.element_spec == (tf.TensorSpec((BATCH, 3), tf.int32),)
    iterator = iter(dataset)
    expected = dali_doubled(6)
    got = []
    for _ in expected:
        element = next(iterator)
        assert isinstance(element, tuple) and len(element) == 1
        (batch,) = element
        got.append(batch.numpy())
    assert_same_batches(got, expected)


def test_per_sample_mode_builds_each_batch_from_batch_size_elements():
    got = take(with_inputs(doubled(), {"x": samples_dataset(12)}, tf.int32), 10)
    assert len(got) == 4
    assert_same_batches(got, dali_doubled(12))


def test_batch_mode_takes_one_element_per_batch():
    ds = samples_dataset(12).batch(BATCH)
    got = take(
        with_inputs(
            doubled(), {"x": dali_tf.experimental.Input(ds, batch=True)}, tf.int32, (BATCH, 3)
        ),
        10,
    )
    assert len(got) == 4
    assert_same_batches(got, dali_doubled(12, batch=True))


def test_batch_none_takes_the_mode_of_the_external_source_node():
    ds = samples_dataset(6).batch(BATCH)
    got = take(
        with_inputs(
            doubled_batch_node(), {"x": dali_tf.experimental.Input(ds, batch=None)}, tf.int32
        ),
        10,
    )
    assert_same_batches(got, dali_doubled(6, batch=True))


def test_per_sample_input_may_vary_in_shape_when_the_pipeline_makes_it_uniform():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def summed():
        x = fn.external_source(name="x")
        return fn.reductions.sum(x, axes=0)

    ds = tf.data.Dataset.range(1, 7).map(lambda n: tf.range(n, dtype=tf.int32))
    got = take(with_inputs(summed(), {"x": ds}, tf.int64, (2,)), 10)  # sums widen to int64
    sums = [n * (n - 1) // 2 for n in range(1, 7)]
    np.testing.assert_array_equal(np.concatenate(got), sums)


@pytest.mark.parametrize(
    "node_layout, input_layout, expected",
    [
        (None, "HWC", "HWC"),  # Input's layout used
        ("CHW", None, "CHW"),  # None: the node's own
    ],
)
def test_layout_override_and_fallback(node_layout, input_layout, expected):
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def layout_pipe():
        kwargs = {"layout": node_layout} if node_layout else {}
        x = fn.external_source(name="x", **kwargs)
        return fn.get_property(x, key="layout")

    ds = samples_dataset(4, shape=(2, 2, 3), dtype=np.uint8)
    got = take(
        with_inputs(
            layout_pipe(), {"x": dali_tf.experimental.Input(ds, layout=input_layout)}, tf.uint8
        ),
        2,
    )
    assert [layout_of(row) for batch in got for row in batch] == [expected] * 4


def test_two_inputs_in_different_modes():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def two():
        a = fn.external_source(name="a")
        b = fn.external_source(name="b")
        return a + b, a

    a = samples_dataset(8, shape=(2,))  # per sample: 0, 1, 2, ...
    b = samples_dataset(8, shape=(2,)).map(lambda v: v * 100).batch(2)  # batch mode
    got = take(
        with_inputs(
            two(), {"a": a, "b": dali_tf.experimental.Input(b, batch=True)}, (tf.int32, tf.int32)
        ),
        10,
    )
    assert len(got) == 4
    for k, (total, a_out) in enumerate(got):
        ids = np.array([2 * k, 2 * k + 1])
        np.testing.assert_array_equal(a_out, np.stack([np.full(2, i) for i in ids]))
        np.testing.assert_array_equal(total, np.stack([np.full(2, 101 * i) for i in ids]))


def test_end_of_data_mid_batch_drops_the_incomplete_batch_like_pipeline_run():
    # 7 samples at batch 3: DALI's pipeline.run() gives 2 batches, then raises StopIteration
    # and drops the 7th sample.
    reference = dali_doubled(7)
    assert [len(x) for (x,) in reference] == [3, 3]
    dataset = with_inputs(doubled(), {"x": samples_dataset(7)}, tf.int32)
    got = take(dataset, 100)
    assert_same_batches(got, reference)
    np.testing.assert_array_equal(np.concatenate(got)[:, 0], 2 * np.arange(6))
    again = take(dataset, 100)  # a new iterator starts from the beginning
    assert_same_batches(again, reference)


def test_end_of_data_in_batch_mode_gives_a_smaller_last_batch_as_is():
    # A batch-mode element is a whole batch: a smaller one is given as it is, as DALI's
    # pipeline.run() does with fn.external_source(source=..., batch=True).
    reference = dali_doubled(7, batch=True)
    assert [len(x) for (x,) in reference] == [3, 3, 1]
    inputs = dali_tf.experimental.Input(samples_dataset(7).batch(BATCH), batch=True)
    got = take(with_inputs(doubled(), {"x": inputs}, tf.int32), 100)
    assert_same_batches(got, reference)


def test_end_of_data_in_batch_mode_stops_cleanly():
    ds = samples_dataset(6).batch(BATCH)
    iterator = iter(
        with_inputs(doubled(), {"x": dali_tf.experimental.Input(ds, batch=True)}, tf.int32)
    )
    assert len([next(iterator) for _ in range(2)]) == 2
    with pytest.raises(StopIteration):
        next(iterator)


def test_works_inside_tf_function():
    dataset = with_inputs(doubled(), {"x": samples_dataset(9)}, tf.int32, (BATCH, 3))

    @tf.function
    def total(ds):
        s = tf.constant(0, tf.int64)
        for (batch,) in ds:
            s += tf.reduce_sum(tf.cast(batch, tf.int64))
        return s

    assert int(total(dataset)) == 2 * 3 * sum(range(9))


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)


def test_inputs_survive_graph_serialization():
    # tf.data rewrites and saved datasets rebuild the op from its GraphDef: each input's record
    # (name, mode, layout) must come back as it was.
    from tensorflow.python.data.ops import dataset_ops
    from tensorflow.python.ops import gen_dataset_ops, gen_experimental_dataset_ops

    elements = np.arange(18, dtype=np.int32).reshape(6, 3)  # each element: 3 scalar samples
    ds = tf.data.Dataset.from_tensor_slices(elements)
    dataset = with_inputs(doubled(), {"x": dali_tf.experimental.Input(ds, batch=True)}, tf.int32)
    graph_def = gen_dataset_ops.dataset_to_graph_v2(dataset._variant_tensor)
    rebuilt = dataset_ops._VariantDataset(
        gen_experimental_dataset_ops.dataset_from_graph(graph_def), dataset.element_spec
    )
    assert_same_batches(take(rebuilt, 6), dali_batches(doubled(source=list(elements), batch=True)))


def test_the_op_refuses_a_malformed_input_record():
    from dali_tf import _loader
    from dali_tf._pipeline import PipelineSettings

    settings = PipelineSettings.resolve(doubled())
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"input_specs\[0\] is not a serialized"
    ):
        _loader.ops().dali_dataset(
            input_datasets=[samples_dataset(3)._variant_tensor],
            serialized_pipeline=settings.serialized_pipeline,
            output_dtypes=[tf.int32],
            output_shapes=[None],
            batch_size=BATCH,
            num_threads=1,
            device_id=settings.device_id,
            exec_separated=False,
            exec_dynamic=True,
            cpu_prefetch_queue_depth=2,
            gpu_prefetch_queue_depth=2,
            input_specs=[b"not a record"],
        )
