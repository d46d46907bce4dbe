"""DALIDataset: a ``tf.data.Dataset`` whose elements are the batches of a DALI pipeline.

Every argument left unset is read from the pipeline object (batch size, threads, device, executor,
queue depths): what the user configured on the pipeline is never silently replaced.

Device placement: the dataset's tensors live on the device the dataset is created on
(``with tf.device(...)``). A pipeline that leaves its ``device_id`` unset (DALI 2.4's default)
runs on the dataset's GPU. ``fail_on_device_mismatch`` (default True), as in NVIDIA's plugin,
makes an output on another kind of device than the dataset's (or a pipeline on another GPU) an
error naming both; with False the outputs are copied to the dataset's device. GPU outputs are
copied device to device into TensorFlow's memory, on TensorFlow's stream. A GPU-placed DALIDataset
must be the last dataset of the input pipeline (its iterator has to run on that GPU).
"""

from typing import Mapping, Optional, Sequence, Union

import tensorflow as tf
from nvidia.dali.pipeline import Pipeline
from nvidia.dali.plugin.base_iterator import LastBatchPolicy

from dali_tf._dataset_op import DaliDatasetBase, build_dataset_op
from dali_tf._pipeline import FROM_PIPELINE

__all__ = ["DALIDataset", "dataset_options"]

# A declared shape: batch dimension first, None for an unknown dimension (or None: unknown rank).
Shape = Union[tf.TensorShape, Sequence[Optional[int]], None]


def dataset_options() -> tf.data.Options:
    """``tf.data.Options`` for input pipelines that contain a DALIDataset.

    Apply with ``dataset.with_options(dali_tf.dataset_options())``. It turns off:

    - autotuning: DALI sizes its own worker threads and prefetch queue, which tf.data's model
      cannot see or tune;
    - tf.data's default graph rewrites: they rebuild the dataset graph on the host, while a
      GPU-placed DALIDataset must stay the last dataset on its GPU;
    - auto-sharding under ``tf.distribute``: DALI readers shard themselves (``shard_id``,
      ``num_shards``); tf.data would otherwise drop batches DALI already sharded.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return options


class DALIDataset(DaliDatasetBase):
    """Runs a DALI pipeline as a ``tf.data.Dataset``: each element is one batch, a tuple with a
    tensor per pipeline output (a 1-tuple when ``output_dtypes`` is a single dtype).

    Args:
      pipeline: the ``nvidia.dali`` Pipeline (e.g. made by ``@pipeline_def``). External sources
        with ``source=`` are run as tf.data generator datasets.
      output_dtypes: a ``tf.DType`` or a tuple of them, one per pipeline output: bool,
        int8/16/32/64, uint8/16/32/64, float16/32/64.
      output_shapes: the shape (batch dimension first; None entries are unknown), or a tuple of
        shapes matching ``output_dtypes``. Unknown by default. A declared shape may differ from
        DALI's by dimensions of size 1 (``(B,)`` for ``[B, 1]`` labels); the output is then
        reshaped to it, without a copy. Any other difference is an error.
      fail_on_device_mismatch: raise when an output is on another kind of device than the
        dataset (a GPU batch for a CPU-placed dataset, or a host batch for a GPU-placed one), or
        the pipeline's ``device_id`` is another GPU than the dataset's; with False the outputs
        are copied to the dataset's device.
      batch_size, num_threads, device_id, exec_separated, exec_dynamic, prefetch_queue_depth,
      cpu_prefetch_queue_depth, gpu_prefetch_queue_depth: override the pipeline's own settings;
        by default taken from the pipeline. ``prefetch_queue_depth`` is an int or
        ``{"cpu_size": n, "gpu_size": m}`` as in DALI. An explicit ``device_id=None`` means CPU
        only, as in NVIDIA's plugin (DALI cannot take the GPU away from a pipeline with one).
      output_ragged: True (or a tuple of bools matching ``output_dtypes``) makes that output a
        ``tf.RaggedTensor`` whose samples keep their own shapes: ragged in the dimensions its
        ``output_shapes`` entry declares None, uniform elsewhere. Its values are DALI's buffer,
        without a copy, where the batch is contiguous. CPU placement only.
      reader_name: the ``name=`` of a reader of the pipeline: the dataset ends after one epoch
        of it, as DALI's framework iterators (``reader_name=``) count it: its shard
        (``shard_id``/``num_shards``), ``pad_last_batch`` and ``stick_to_shard``. The
        cardinality is that epoch's batches, and the dataset's next iterator (``repeat()`` makes
        one per epoch) goes on with the reader's next epoch, as DALI's iterator does.
      last_batch_policy: ``nvidia.dali.plugin.base_iterator.LastBatchPolicy`` (FILL, DROP,
        PARTIAL) or "fill", "drop", "partial"; FILL by default with ``reader_name``. FILL keeps
        the last batch full (wrapped-around or padded samples), DROP drops it when incomplete,
        PARTIAL cuts it to the epoch's samples (the batch dimension of ``output_shapes`` must then
        be None). Without ``reader_name``, PARTIAL makes a per-sample input that runs out
        mid-batch yield that incomplete batch (DALIDatasetWithInputs).
      dtypes, shapes: deprecated names of ``output_dtypes`` and ``output_shapes``.
      seed: the seed of the pipeline's random operators, in place of the pipeline's own (a
        different stream of random augmentations per dataset, e.g. per worker); None keeps it.

    Outputs that do not match the declared dtypes or shapes are an error naming the output, what
    was declared and what DALI produced. ``tf.train.Checkpoint(iterator=iter(dataset))`` saves and
    restores the pipeline's state (a pipeline built with ``enable_checkpointing=True``), into a
    dataset made the same way only. CPU outputs are DALI's buffers, without a copy, with DALI's
    dynamic executor (its default). The dataset turns tf.data autotuning off for every dataset
    built on it.
    """

    # The input datasets of DALIDatasetWithInputs, set before it calls this __init__.
    _given_input_datasets: Optional[Mapping] = None

    def __init__(
        self,
        pipeline: Pipeline,
        output_dtypes: Union[tf.DType, Sequence[tf.DType], None] = None,
        output_shapes: Union[Shape, Sequence[Shape]] = None,
        fail_on_device_mismatch: bool = True,
        *,
        batch_size: int = FROM_PIPELINE,
        num_threads: int = FROM_PIPELINE,
        device_id: Optional[int] = FROM_PIPELINE,
        exec_separated: Optional[bool] = None,
        exec_dynamic: Optional[bool] = None,
        prefetch_queue_depth: Union[int, Mapping[str, int], None] = None,
        cpu_prefetch_queue_depth: Optional[int] = None,
        gpu_prefetch_queue_depth: Optional[int] = None,
        dtypes: Union[tf.DType, Sequence[tf.DType], None] = None,
        shapes: Union[Shape, Sequence[Shape]] = None,
        output_ragged: Union[bool, Sequence[bool]] = False,
        reader_name: Optional[str] = None,
        last_batch_policy: Union[LastBatchPolicy, str, None] = None,
        seed: Optional[int] = None,
    ):
        self._init_from_op(
            *build_dataset_op(
                pipeline,
                self._given_input_datasets,
                output_dtypes,
                output_shapes,
                fail_on_device_mismatch,
                dtypes,
                shapes,
                output_ragged=output_ragged,
                reader_name=reader_name,
                last_batch_policy=last_batch_policy,
                batch_size=batch_size,
                num_threads=num_threads,
                device_id=device_id,
                exec_separated=exec_separated,
                exec_dynamic=exec_dynamic,
                prefetch_queue_depth=prefetch_queue_depth,
                cpu_prefetch_queue_depth=cpu_prefetch_queue_depth,
                gpu_prefetch_queue_depth=gpu_prefetch_queue_depth,
                seed=seed,
            )
        )
