"""The trainer's side of the tf.data service: a DALI data set split into parts that the workers
read, each part once per epoch, on whichever worker asks the dispatcher for it.

DALI readers shard themselves, and a reader's ``shard_id``/``num_shards`` are fixed in the
serialized pipeline (DALI's C API cannot change them afterwards). So the dataset graph carries one
serialized pipeline per part, ``pipeline_fn(part, num_parts, None)``, and which part a worker runs
is decided at run time: the graph starts from ``Dataset.range(num_parts)``, which the dispatcher
splits dynamically under ``processing_mode="distributed_epoch"`` (one split = one part index), and
``flat_map`` turns a part index into the DALIDataset of that part (a ``tf.switch_case`` over the
parts: only the chosen branch's dataset op runs, so a worker builds and runs only the pipelines of
the parts it gets). Each part is one epoch of its shard's reader (``reader_name``), from a fresh
pipeline: a worker that gets the same part again in a later epoch does not go on with its reader.
"""

import functools
from typing import Optional

import tensorflow as tf
from nvidia.dali import pipeline as _dali_pipeline

from dali_tf import _dali_internals, _epochs
from dali_tf._dataset_op import (
    DaliDatasetBase,
    build_dataset_op,
    check_passed_on_kwargs,
    requested_gpu,
)
from dali_tf._pipeline import CPU_ONLY_DEVICE_ID
from dali_tf.dataset import dataset_options
from dali_tf.distribute import PipelineFn

# What the parts decide themselves, and so may not be passed on to DALIDataset.
_RESERVED_KWARGS = ("pipeline", "device_id", "fail_on_device_mismatch")


def parts_dataset(
    pipeline_fn: PipelineFn,
    num_parts: int,
    output_dtypes,
    output_shapes=None,
    *,
    reader_name: Optional[str] = None,
    last_batch_policy="partial",
    **kwargs,
) -> tf.data.Dataset:
    """The DALI batches of a data set split into `num_parts` parts, as a dataset to distribute.

    ``tf.data.Dataset.range(num_parts).flat_map(<the DALIDataset of part i>)``, with
    ``dali_tf.dataset_options()``. Give it to ``tf.data.experimental.service.distribute(
    processing_mode="distributed_epoch", ...)`` (or use `distributed_dataset`): the dispatcher
    hands each part index to one worker, which reads that part only. Iterated locally, it reads
    the parts one after the other.

    Args:
      pipeline_fn: ``pipeline_fn(shard_id, num_shards, device_id)`` returns the DALI pipeline of
        one part, as for ``dali_tf.distributed_dataset``: pass ``shard_id``/``num_shards`` to the
        reader named `reader_name`. ``device_id`` is always None: the workers send host tensors,
        so the pipeline must be CPU-only. It is called here once per part, in order.
      num_parts: how many parts (shards of the reader). More parts than workers balance the
        load; each part is a pipeline built on the worker that gets it.
      output_dtypes, output_shapes: as for ``DALIDataset``. With the default
        ``last_batch_policy="partial"`` the batch dimension must be None.
      reader_name: the ``name=`` of the sharded reader; required: a part ends after one epoch
        of its shard.
      last_batch_policy: as for ``DALIDataset``, but PARTIAL by default: every sample of the
        epoch exactly once. Empty batches (PARTIAL, at the end of a shard shorter than the
        others) are left out.
      **kwargs: the other arguments of ``DALIDataset`` (``batch_size``, ``num_threads``,
        ``prefetch_queue_depth``, ...).
    """
    _check_args(pipeline_fn, num_parts, reader_name, kwargs)
    gpu = requested_gpu()
    if gpu:
        raise ValueError(
            "dali_tf.service datasets run on the tf.data service workers' CPUs and reach the "
            "trainer as host tensors, but this one is made under tf.device(%r): make it outside "
            "the GPU scope (the trainer copies the batches to its GPU)" % gpu
        )
    pipelines = [_part_pipeline(pipeline_fn, part, num_parts) for part in range(num_parts)]
    make_part = functools.partial(
        _PartDataset,
        output_dtypes=output_dtypes,
        output_shapes=output_shapes,
        reader_name=reader_name,
        last_batch_policy=last_batch_policy,
        **kwargs,
    )
    # Early, readable errors for the arguments (the parts are otherwise first built while
    # flat_map traces its function).
    make_part(pipelines[0])
    drop_empty = (
        last_batch_policy is not None and _epochs.policy_name(last_batch_policy) == "partial"
    )

    def part_dataset(part):
        if num_parts == 1:
            dataset = make_part(pipelines[0])
        else:
            branches = [functools.partial(make_part, pipe) for pipe in pipelines]
            dataset = tf.switch_case(tf.cast(part, tf.int32), branches)
        if drop_empty:
            dataset = dataset.filter(lambda *batch: tf.shape(batch[0])[0] > 0)
        return dataset

    dataset = tf.data.Dataset.range(num_parts).flat_map(part_dataset)
    return dataset.with_options(dataset_options())


def distributed_dataset(
    service: str,
    pipeline_fn: PipelineFn,
    num_parts: int,
    output_dtypes,
    output_shapes=None,
    *,
    job_name: Optional[str] = None,
    **kwargs,
) -> tf.data.Dataset:
    """`parts_dataset` distributed by the tf.data service at `service` (``"grpc://host:port"``
    of the dispatcher), ``processing_mode="distributed_epoch"``: each part read by one worker,
    every part once per epoch (each iterator is one epoch: a Keras epoch, a ``for`` loop).
    `job_name` shares the job between trainers (see ``tf.data.experimental.service.distribute``);
    the other arguments are `parts_dataset`'s."""
    dataset = parts_dataset(pipeline_fn, num_parts, output_dtypes, output_shapes, **kwargs)
    return dataset.apply(
        tf.data.experimental.service.distribute(
            processing_mode="distributed_epoch", service=service, job_name=job_name
        )
    )


class _PartDataset(DaliDatasetBase):
    """The DALIDataset of one part: one epoch of its reader's shard, from a fresh pipeline in
    every copy of the graph (a worker may get the same part again in another epoch)."""

    def __init__(self, pipeline, output_dtypes, output_shapes, **kwargs):
        self._init_from_op(
            *build_dataset_op(
                pipeline, None, output_dtypes, output_shapes, True, share_epochs=False, **kwargs
            )
        )


def _check_args(pipeline_fn, num_parts, reader_name, kwargs):
    if not callable(pipeline_fn):
        raise TypeError(
            "pipeline_fn must be a function pipeline_fn(shard_id, num_shards, device_id) that "
            "returns a DALI pipeline, got %s" % type(pipeline_fn).__name__
        )
    if isinstance(num_parts, bool) or not isinstance(num_parts, int) or num_parts < 1:
        raise ValueError("num_parts must be a positive int, got %r" % (num_parts,))
    if reader_name is None:
        raise ValueError(
            "reader_name is required: the name= of the reader that pipeline_fn shards; each part "
            "is one epoch of its shard"
        )
    check_passed_on_kwargs(
        kwargs,
        _RESERVED_KWARGS,
        "dali_tf.service",
        "the pipelines come from pipeline_fn and run on the workers' CPUs (device_id=None)",
    )


def _part_pipeline(pipeline_fn, part, num_parts):
    """pipeline_fn's pipeline of `part`, refused where a worker could not run it."""
    what = "pipeline_fn(shard_id=%d, num_shards=%d, device_id=None)" % (part, num_parts)
    pipe = pipeline_fn(part, num_parts, None)
    if not isinstance(pipe, _dali_pipeline.Pipeline):
        raise TypeError(
            "%s must return an nvidia.dali Pipeline (e.g. made by a @pipeline_def function), "
            "got %s" % (what, type(pipe).__name__)
        )
    if pipe.device_id is not None and pipe.device_id != CPU_ONLY_DEVICE_ID:
        raise ValueError(
            "%s returned a pipeline with device_id=%d: tf.data service workers send host "
            "tensors, so dali_tf.service runs CPU-only pipelines (device_id=None, no GPU "
            "operators or .gpu() outputs); the trainer copies the batches to its GPU"
            % (what, pipe.device_id)
        )
    on_gpu = _dali_internals.gpu_uses(pipe)
    if on_gpu:
        raise ValueError(
            "%s returned a pipeline that uses the GPU (%s): tf.data service workers send host "
            "tensors, so dali_tf.service runs CPU-only pipelines; the trainer copies the batches "
            "to its GPU" % (what, ", ".join(on_gpu))
        )
    for source in _dali_internals.external_sources(pipe):
        if source.group is not None:
            raise ValueError(
                "%s returned a pipeline with fn.external_source(source=...) ('%s'): the workers "
                "receive the dataset as a serialized graph, which cannot carry a Python callback "
                "of this process. Read the data with a DALI reader (fn.readers.*) instead"
                % (what, source.name)
            )
        raise ValueError(
            "%s returned a pipeline with an fn.external_source ('%s'), which nothing feeds on a "
            "tf.data service worker: read the data with a DALI reader (fn.readers.*)"
            % (what, source.name)
        )
    return pipe
