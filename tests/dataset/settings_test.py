"""DALIDataset takes every unset setting from the pipeline object; explicit arguments win."""

import dataclasses
import warnings

import pytest
import tensorflow as tf
from nvidia.dali import fn, pipeline_def, types

import dali_tf
from dali_tf._pipeline import DEVICE_OF_PLACEMENT, PipelineSettings
from tests.common.dali_reference import assert_same_batches, dali_batches
from tests.common.dataset_pipelines import as_numpy


def make_pipe(**kwargs):
    @pipeline_def(device_id=None, seed=3, **kwargs)
    def pipe():
        return fn.random.uniform(range=[0, 10], shape=[2], dtype=types.FLOAT)

    return pipe()


def test_unset_arguments_come_from_the_pipeline():
    settings = PipelineSettings.resolve(
        make_pipe(batch_size=5, num_threads=3, prefetch_queue_depth=4)
    )
    # device_id=None (unset, DALI 2.4's default): the device of the op's placement.
    assert (settings.batch_size, settings.num_threads, settings.device_id) == (
        5,
        3,
        DEVICE_OF_PLACEMENT,
    )
    assert (settings.cpu_prefetch_queue_depth, settings.gpu_prefetch_queue_depth) == (4, 4)
    assert settings.exec_dynamic is True and settings.exec_separated is False
    assert settings.num_outputs == 1


def test_separated_queues_of_the_pipeline_are_kept():
    settings = PipelineSettings.resolve(
        make_pipe(batch_size=2, num_threads=1, prefetch_queue_depth={"cpu_size": 3, "gpu_size": 2})
    )
    assert settings.exec_separated is True and settings.exec_dynamic is False
    assert (settings.cpu_prefetch_queue_depth, settings.gpu_prefetch_queue_depth) == (3, 2)


def test_explicit_arguments_override_the_pipeline():
    pipe = make_pipe(batch_size=5, num_threads=3, prefetch_queue_depth=4)
    settings = PipelineSettings.resolve(
        pipe, batch_size=2, num_threads=1, exec_dynamic=False, prefetch_queue_depth=3
    )
    assert (settings.batch_size, settings.num_threads, settings.exec_dynamic) == (2, 1, False)
    assert (settings.cpu_prefetch_queue_depth, settings.gpu_prefetch_queue_depth) == (3, 3)
    dict_depths = PipelineSettings.resolve(
        pipe, prefetch_queue_depth={"cpu_size": 2, "gpu_size": 3}
    )
    assert dict_depths.exec_separated is True and dict_depths.exec_dynamic is False
    assert (dict_depths.cpu_prefetch_queue_depth, dict_depths.gpu_prefetch_queue_depth) == (2, 3)


def test_queue_depth_arguments_mean_what_they_mean_in_nvidias_plugin():
    pipe = make_pipe(batch_size=5, num_threads=3, prefetch_queue_depth=4)
    # The separated executor: the per-queue depths set its two queues.
    separated = PipelineSettings.resolve(
        pipe, exec_separated=True, cpu_prefetch_queue_depth=3, gpu_prefetch_queue_depth=1
    )
    assert (separated.cpu_prefetch_queue_depth, separated.gpu_prefetch_queue_depth) == (3, 1)
    # One queue: prefetch_queue_depth is its depth; the per-queue ones are ignored, with a
    # warning when they disagree (the plugin's defaults, 2 and 2, are what its users pass).
    with pytest.warns(UserWarning, match=r"gpu_prefetch_queue_depth=1 is ignored"):
        single = PipelineSettings.resolve(
            pipe, prefetch_queue_depth=3, cpu_prefetch_queue_depth=3, gpu_prefetch_queue_depth=1
        )
    assert (single.cpu_prefetch_queue_depth, single.gpu_prefetch_queue_depth) == (3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plugin_defaults = PipelineSettings.resolve(
            pipe, prefetch_queue_depth=2, cpu_prefetch_queue_depth=2, gpu_prefetch_queue_depth=2
        )
    assert (plugin_defaults.cpu_prefetch_queue_depth, plugin_defaults.gpu_prefetch_queue_depth) == (
        2,
        2,
    )


def test_settings_the_pipeline_leaves_unset_take_nvidias_plugin_defaults():
    @pipeline_def(batch_size=3, device_id=None)  # no num_threads, as NVIDIA's MNIST notebooks
    def unset():
        return fn.random.uniform(range=[0, 10], shape=[2], dtype=types.FLOAT, seed=3)

    pipe = unset()
    assert pipe.num_threads is None
    assert PipelineSettings.resolve(pipe).num_threads == 4
    # What the pipeline does set is kept.
    assert PipelineSettings.resolve(unset(num_threads=2)).num_threads == 2
    element = next(iter(dali_tf.DALIDataset(unset(), output_dtypes=tf.float32)))
    assert_same_batches([as_numpy(element)], dali_batches(unset(num_threads=4), 1))


def test_batch_size_override_changes_the_batches():
    dataset = dali_tf.DALIDataset(
        make_pipe(batch_size=5, num_threads=1), output_dtypes=tf.float32, batch_size=2
    )
    (overridden,) = next(iter(dataset))  # one dtype: a 1-tuple element
    assert overridden.shape == (2, 2)
    (default,) = next(
        iter(dali_tf.DALIDataset(make_pipe(batch_size=5, num_threads=1), output_dtypes=tf.float32))
    )
    assert default.shape == (5, 2)


def test_separated_executor_runs():
    dataset = dali_tf.DALIDataset(
        make_pipe(batch_size=2, num_threads=1, prefetch_queue_depth={"cpu_size": 3, "gpu_size": 2}),
        output_dtypes=tf.float32,
        output_shapes=(2, 2),
    )
    batches = [b.numpy() for (b,) in dataset.take(4)]
    assert all(b.shape == (2, 2) and (0 <= b).all() and (b < 10).all() for b in batches)


def test_deprecated_aliases_warn_and_work():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = dali_tf.DALIDataset(
            make_pipe(batch_size=2, num_threads=1), dtypes=tf.float32, shapes=(2, 2)
        )
    assert any(
        issubclass(w.category, DeprecationWarning) and "dtypes" in str(w.message) for w in caught
    )
    assert dataset.element_spec == (tf.TensorSpec((2, 2), tf.float32),)


def test_alias_and_new_name_together_are_refused():
    with pytest.raises(ValueError, match="output_dtypes or its deprecated alias dtypes"):
        dali_tf.DALIDataset(
            make_pipe(batch_size=2, num_threads=1), output_dtypes=tf.float32, dtypes=tf.float32
        )


def test_seed_overrides_the_pipelines_own():
    def noise(seed):
        @pipeline_def(batch_size=2, num_threads=1, device_id=None, seed=seed)
        def pipe():
            return fn.random.uniform(range=[0, 1], shape=[3])

        return pipe()

    overridden = dali_tf.DALIDataset(noise(1), output_dtypes=tf.float32, seed=77)
    own = dali_tf.DALIDataset(noise(1), output_dtypes=tf.float32)
    for dataset, seed in ((overridden, 77), (own, 1)):
        iterator = iter(dataset)
        got = [as_numpy(next(iterator)) for _ in range(3)]
        assert_same_batches(got, dali_batches(noise(seed), 3))
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None, got -5"):
        dali_tf.DALIDataset(noise(1), output_dtypes=tf.float32, seed=-5)


def test_python_settings_are_exactly_the_options_the_ops_register():
    # The C++ side declares the pipeline options once, for both ops; Python hands over each one.
    from dali_tf import _loader

    registered = _loader.pipeline_option_attrs()
    fields = {f.name for f in dataclasses.fields(PipelineSettings)} - {"num_outputs"}
    assert set(registered) == fields
    assert registered["seed"] == -1 and registered["gpu_prefetch_queue_depth"] == 2
    settings = PipelineSettings.resolve(make_pipe(batch_size=5, num_threads=3))
    assert settings.op_attrs() == {name: getattr(settings, name) for name in registered}


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
