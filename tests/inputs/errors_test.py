"""DALIDatasetWithInputs: each kind of bad input is a clear exception naming the problem."""

import numpy as np
import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from tests.common.inputs_test_utils import samples_dataset, take, with_inputs


@pipeline_def(batch_size=2, num_threads=1, device_id=None)
def one_input(dtype=None):
    return fn.external_source(name="x", dtype=dtype) + 0


def test_unknown_input_name():
    with pytest.raises(ValueError, match="'nope'.*no fn.external_source with that name.*x"):
        with_inputs(one_input(), {"x": samples_dataset(4), "nope": samples_dataset(4)}, tf.int32)


def test_input_given_twice():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(name="x", source=lambda i: np.int32(i.idx_in_epoch), batch=False)

    with pytest.raises(ValueError, match="'x' is given twice"):
        with_inputs(pipe(), {"x": samples_dataset(4)}, tf.int32)


def test_value_not_a_dataset():
    with pytest.raises(TypeError, match=r"input_datasets\['x'\] must be a tf.data.Dataset.*list"):
        with_inputs(one_input(), {"x": [1, 2, 3]}, tf.int32)


def test_key_not_a_str():
    with pytest.raises(TypeError, match="keys must be str.*got 0"):
        with_inputs(one_input(), {0: samples_dataset(4)}, tf.int32)


def test_options_are_dalidatasets_keywords():
    # DALIDatasetWithInputs initialises through DALIDataset, whose signature checks its keywords;
    # the settings it passes on still take effect.
    pipe = one_input()
    inputs = {"x": samples_dataset(4)}
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_thread'"):
        dali_tf.experimental.DALIDatasetWithInputs(
            pipe, tf.int32, input_datasets=inputs, num_thread=2
        )
    with pytest.raises(ValueError, match="batch dimension of 2 but the batch size is 3"):
        dali_tf.experimental.DALIDatasetWithInputs(
            pipe, tf.int32, (2,), input_datasets=inputs, batch_size=3
        )


def test_input_class_rejects_non_datasets():
    with pytest.raises(TypeError, match=r"Input\(dataset=...\) must be a tf.data.Dataset"):
        dali_tf.experimental.Input(np.zeros(3))


def test_unfed_named_external_source():
    with pytest.raises(ValueError, match="fn.external_source 'x' has no data"):
        with_inputs(one_input(), {}, tf.int32)


def test_wrong_element_dtype_vs_declared():
    with pytest.raises(TypeError, match="'x'.*gives int32.*declares dtype=DALIDataType.UINT8"):
        with_inputs(one_input(dtype=types.UINT8), {"x": samples_dataset(4)}, tf.int32)


def test_string_elements_are_refused_with_a_hint():
    ds = tf.data.Dataset.from_tensor_slices(["a", "b"])
    with pytest.raises(TypeError, match="'x'.*string.*tf.io.decode_raw"):
        with_inputs(one_input(), {"x": ds}, tf.int32)


def test_varying_sample_shapes_the_pipeline_cannot_batch():
    ds = tf.data.Dataset.range(1, 5).map(lambda n: tf.range(n, dtype=tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a uniform batch"):
        take(with_inputs(one_input(), {"x": ds}, tf.int32), 2)


def test_source_raising_reaches_the_user():
    def broken(info):
        raise RuntimeError("the camera is unplugged")

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(source=broken, batch=False)

    with pytest.raises(Exception, match="the camera is unplugged"):
        take(with_inputs(pipe(), {}, tf.int32), 2)


def test_source_raising_later_reaches_the_user():
    def fails_at_3(info):
        if info.idx_in_epoch == 3:
            raise ValueError("sample 3 is corrupt")
        return np.int32(info.idx_in_epoch)

    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(source=fails_at_3, batch=False)

    with pytest.raises(tf.errors.OpError, match="sample 3 is corrupt"):
        take(with_inputs(pipe(), {}, tf.int32), 5)


def test_source_returning_a_wrong_type():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(source=lambda info: "not an array", batch=False)

    with pytest.raises(TypeError, match="source=.*lambda.*returned str, which is not numeric"):
        with_inputs(pipe(), {}, tf.int32)


def test_batch_source_with_ragged_samples():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def pipe():
        return fn.external_source(
            source=lambda i: [np.zeros(1, np.int32), np.zeros(2, np.int32)], batch=True
        )

    with pytest.raises(TypeError, match="samples differ in shape.*batch=False"):
        with_inputs(pipe(), {}, tf.int32)


def test_batch_mode_input_larger_than_batch_size():
    ds = samples_dataset(8).batch(4)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="'x' is in batch mode and gave a batch of 4 samples.*1 to 2",
    ):
        take(
            with_inputs(one_input(), {"x": dali_tf.experimental.Input(ds, batch=True)}, tf.int32), 1
        )


# Where input tensors live (the GPU half runs in tests/inputs/gpu_test.py).


class _PlacedDataset:
    """Stands for a dataset whose variant was made on `device` (copy_to_device makes its variant
    on the target device), without a GPU to make one on."""

    def __init__(self, device):
        self._variant_tensor = type("Variant", (), {"device": device})()

    def apply(self, transformation):
        return ("applied", transformation)


def test_an_input_on_a_gpu_is_refused_by_a_cpu_placed_dataset():
    from dali_tf._dataset_op import _placed_input
    from dali_tf._inputs import ResolvedInput

    gpu_input = ResolvedInput(
        "x", _PlacedDataset("/job:localhost/replica:0/task:0/device:GPU:0"), False, "", ""
    )
    with pytest.raises(
        ValueError,
        match=r"input_datasets\['x'\] gives GPU tensors \(it was copied to "
        r"/job:localhost/replica:0/task:0/device:GPU:0\), but the DALI dataset is placed on the "
        r"CPU.*drop its copy_to_device",
    ):
        _placed_input(gpu_input, None)
    # On another GPU than the dataset's: refused too; on the same one: used as it is.
    with pytest.raises(ValueError, match="placed on /gpu:1"):
        _placed_input(gpu_input, "/gpu:1")
    assert _placed_input(gpu_input, "/gpu:0") is gpu_input.dataset
    # A host input goes to the dataset's GPU (copy_to_device), and stays put on the CPU.
    host_input = ResolvedInput("y", _PlacedDataset("/device:CPU:0"), False, "", "")
    assert _placed_input(host_input, None) is host_input.dataset
    assert _placed_input(host_input, "/gpu:0")[0] == "applied"


def test_a_real_host_dataset_is_seen_on_the_host():
    from dali_tf._dataset_op import _dataset_device

    assert _dataset_device(tf.data.Dataset.range(3)) is None
    with tf.Graph().as_default():
        assert _dataset_device(tf.data.Dataset.range(3)) is None


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
