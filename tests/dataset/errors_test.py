"""Bad input to DALIDataset ends in a Python exception that names the problem."""

import os

import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from dali_tf._dataset_op import DaliDatasetBase, OutputStructure, make_variant
from dali_tf._inputs import ResolvedInput
from dali_tf._pipeline import PipelineSettings
from tests.common import dataset_pipelines as pipes
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.test_utils import jpeg_dir_fixture, make_jpeg_dir

jpeg_root = jpeg_dir_fixture(8)


def images_pipe(root):
    return pipes.images_and_labels(root)


def first_element(dataset):
    return next(iter(dataset))


def dataset_from_settings(settings, dtypes=(tf.float32,), inputs=()):
    """Goes past the Python checks to reach the op's own."""
    outputs = OutputStructure.resolve(tuple(dtypes), None)
    datasets = [i.dataset for i in inputs]
    dataset = DaliDatasetBase.__new__(DaliDatasetBase)
    dataset._init_from_op(
        outputs, tuple(datasets), make_variant(settings, outputs, True, inputs, datasets)
    )
    return dataset


# Declared types and shapes against what the pipeline produces: checked per batch in the op.


def test_wrong_dtype_names_output_expected_and_actual(jpeg_root):
    dataset = dali_tf.DALIDataset(images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.int64))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Output 1 of the DALI pipeline has type int32 but int64",
    ):
        first_element(dataset)


def test_wrong_shape_names_output_and_both_shapes(jpeg_root):
    dataset = dali_tf.DALIDataset(
        images_pipe(jpeg_root),
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((4, 24, 30, 3), (4, 1)),
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 of the DALI pipeline has shape \[4,24,32,3\] but the "
        r"declared shape is \[4,24,30,3\]",
    ):
        first_element(dataset)


def test_wrong_rank(jpeg_root):
    dataset = dali_tf.DALIDataset(
        images_pipe(jpeg_root),
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((None, None, None), None),
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 .* declared shape is "
        r"\[\?,\?,\?\]",
    ):
        first_element(dataset)


def test_declared_batch_dimension_must_match_batch_size(jpeg_root):
    with pytest.raises(
        ValueError,
        match=r"output_shapes\[0\] declares a batch dimension of 8 but "
        r"the batch size is 4",
    ):
        dali_tf.DALIDataset(
            images_pipe(jpeg_root),
            output_dtypes=(tf.uint8, tf.int32),
            output_shapes=((8, 24, 32, 3), (None, 1)),
        )


def test_dtype_count_differs_from_pipeline_outputs(jpeg_root):
    with pytest.raises(ValueError, match="pipeline has 2 outputs but 3 output_dtypes"):
        dali_tf.DALIDataset(images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.int32, tf.int32))


def test_dtype_count_is_checked_by_the_op_too(jpeg_root):
    settings = PipelineSettings.resolve(images_pipe(jpeg_root))
    settings = PipelineSettings(**{**settings.__dict__, "num_outputs": None})
    dataset = dataset_from_settings(settings, dtypes=(tf.uint8,))
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="DALI pipeline has 2 outputs but 1 output_dtypes"
    ):
        first_element(dataset)


def test_shape_count_differs_from_dtype_count(jpeg_root):
    with pytest.raises(ValueError, match="output_shapes has 1 entries but output_dtypes has 2"):
        dali_tf.DALIDataset(
            images_pipe(jpeg_root),
            output_dtypes=(tf.uint8, tf.int32),
            output_shapes=((4, 24, 32, 3),),
        )


# Arguments.


def test_missing_output_dtypes(jpeg_root):
    with pytest.raises(TypeError, match="output_dtypes is required"):
        dali_tf.DALIDataset(images_pipe(jpeg_root))


def test_output_dtypes_of_the_wrong_type(jpeg_root):
    with pytest.raises(TypeError, match=r"output_dtypes\[1\] must be a tf.DType"):
        dali_tf.DALIDataset(images_pipe(jpeg_root), output_dtypes=(tf.uint8, "no such type"))


def test_unsupported_dtype(jpeg_root):
    with pytest.raises(TypeError, match="string, which a DALI pipeline cannot produce"):
        dali_tf.DALIDataset(images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.string))


@pytest.mark.parametrize("name", ["batch_size", "num_threads"])
@pytest.mark.parametrize("value", [0, -3])
def test_non_positive_sizes(jpeg_root, name, value):
    with pytest.raises(ValueError, match="%s must be a positive integer, got %d" % (name, value)):
        dali_tf.DALIDataset(
            images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.int32), **{name: value}
        )


def test_non_positive_batch_size_is_checked_by_the_op_too(jpeg_root):
    settings = PipelineSettings.resolve(images_pipe(jpeg_root))
    settings = PipelineSettings(**{**settings.__dict__, "batch_size": 0})
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch_size must be positive"):
        first_element(dataset_from_settings(settings, dtypes=(tf.uint8, tf.int32)))


def test_not_a_pipeline():
    with pytest.raises(TypeError, match="must be an nvidia.dali Pipeline"):
        dali_tf.DALIDataset("pipeline", output_dtypes=tf.float32)


def test_garbage_serialized_pipeline(jpeg_root):
    settings = PipelineSettings.resolve(images_pipe(jpeg_root))
    settings = PipelineSettings(
        **{**settings.__dict__, "serialized_pipeline": b"not a pipeline", "num_outputs": None}
    )
    with pytest.raises(tf.errors.OpError, match="Could not deserialize the DALI pipeline"):
        first_element(dataset_from_settings(settings))


def test_the_op_checks_input_names_against_the_pipeline(jpeg_root):
    # Bypasses the Python-side checks of DALIDatasetWithInputs: the op itself refuses.
    inputs = (
        ResolvedInput(
            name="x", dataset=tf.data.Dataset.range(3), batched=False, layout="", python_source=""
        ),
    )
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="names 'x', but the pipeline has no fn.external_source.*none",
    ):
        first_element(
            dataset_from_settings(
                PipelineSettings.resolve(images_pipe(jpeg_root)),
                dtypes=(tf.uint8, tf.int32),
                inputs=inputs,
            )
        )


def test_pipeline_with_external_source_points_to_dataset_with_inputs():
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def with_input():
        return fn.external_source(name="my_input", dtype=types.UINT8)

    with pytest.raises(
        ValueError,
        match=r"external_source without source= \('my_input'\) that DALIDataset "
        r"cannot feed: use dali_tf.experimental.DALIDatasetWithInputs",
    ):
        dali_tf.DALIDataset(with_input(), output_dtypes=tf.uint8)


def test_the_op_refuses_external_inputs_it_is_not_fed():
    # Past the Python check (a graph loaded without Python would reach the op like this).
    @pipeline_def(batch_size=2, num_threads=1, device_id=None)
    def with_input():
        return fn.external_source(name="my_input", dtype=types.UINT8)

    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"external inputs \(my_input\).*DALIDatasetWithInputs"
    ):
        first_element(
            dataset_from_settings(PipelineSettings.resolve(with_input()), dtypes=(tf.uint8,))
        )


# Device placement.


def test_cpu_placement_with_a_gpu_device_id_is_not_a_mismatch_by_itself(jpeg_root):
    # NVIDIA's notebooks run CPU pipelines with device_id=0 under tf.device('/cpu:0'): as in
    # NVIDIA's plugin, only an output on the GPU would be a mismatch there. Without CUDA, DALI
    # itself then refuses the GPU device, when the pipeline is built.
    with tf.device("/cpu:0"):
        dataset = dali_tf.DALIDataset(
            images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.int32), device_id=0
        )
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible: the pipeline runs")
    with pytest.raises(tf.errors.OpError, match="CUDA"):
        next(iter(dataset))


def test_gpu_operators_without_a_device_on_a_host_without_gpu():
    # DALI 2.4: a pipeline that leaves device_id unset runs its GPU operators on the current CUDA
    # device; with none, building it fails with DALI's reason, and the dataset says so.
    @pipeline_def(batch_size=2, num_threads=1)
    def gpu_pipe():
        return fn.random.uniform(range=[0, 1], shape=[2], seed=1).gpu()

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    dataset = dali_tf.DALIDataset(gpu_pipe(), output_dtypes=tf.float32)
    with pytest.raises(
        tf.errors.FailedPreconditionError,
        match="Could not build the DALI pipeline: The pipeline requires a CUDA-capable GPU",
    ):
        next(iter(dataset))


def test_a_cpu_pipeline_without_a_device_runs_on_a_cpu_placement():
    # (DALI 2.4 cannot even serialize a pipeline defined with device_id=CPU_ONLY_DEVICE_ID
    # without CUDA: on a machine without a GPU, CPU pipelines leave device_id unset.)
    @pipeline_def(batch_size=2, num_threads=1, seed=4)  # device_id unset: DALI 2.4's default
    def unset():
        return fn.random.uniform(range=[0, 1], shape=[3])

    expected = dali_batches(unset(), 3)
    with tf.device("/cpu:0"):
        dataset = dali_tf.DALIDataset(unset(), output_dtypes=tf.float32, output_shapes=(2, 3))
    iterator = iter(dataset)
    assert_same_batches([pipes.as_numpy(next(iterator)) for _ in expected], expected)


def test_cpu_only_override_of_a_gpu_pipeline_is_refused():
    @pipeline_def(batch_size=2, num_threads=1, device_id=0)
    def gpu_pipe():
        return fn.random.uniform(range=[0, 1], shape=[2])

    with pytest.raises(ValueError, match="device_id=None .* pipeline built with device_id=0"):
        dali_tf.DALIDataset(gpu_pipe(), output_dtypes=tf.float32, device_id=None)


def test_gpu_placement_without_a_gpu(jpeg_root):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible")
    with tf.device("/gpu:0"):
        with pytest.raises(ValueError, match="placed on a GPU but TensorFlow sees no GPU"):
            dali_tf.DALIDataset(images_pipe(jpeg_root), output_dtypes=(tf.uint8, tf.int32))


# Data.


def test_corrupt_jpeg_raises_dalis_message(tmp_path):
    root = str(tmp_path)
    make_jpeg_dir(root, count=4, classes=1)
    with open(os.path.join(root, "class_0", "img_zzz_corrupt.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + os.urandom(3000))
    dataset = dali_tf.DALIDataset(
        pipes.images_and_labels(root, batch_size=5), output_dtypes=(tf.uint8, tf.int32)
    )
    iterator = iter(dataset)
    with pytest.raises(tf.errors.OpError, match=r"(?s)DALI pipeline failed.*decoders\.image"):
        next(iterator)
    with pytest.raises(tf.errors.OpError, match="DALI pipeline failed"):
        next(iterator)  # stays failed, does not hang


def test_non_uniform_batch_without_resize(jpeg_root):
    @pipeline_def(batch_size=4, num_threads=1, device_id=None)
    def unresized():
        jpegs, _ = fn.readers.file(file_root=jpeg_root)
        return fn.decoders.image(jpegs)

    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Output 0 of the DALI pipeline is not a uniform batch: sample 0 has "
        r"shape \[\d+, \d+, 3\] but sample \d+ has shape",
    ):
        first_element(dali_tf.DALIDataset(unresized(), output_dtypes=tf.uint8))


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
