"""tf.distribute support: one DALIDataset per input pipeline, sharded and placed by the strategy.

``distributed_dataset(strategy, pipeline_fn, output_dtypes, ...)`` calls
``strategy.distribute_datasets_from_function``. For each input pipeline the strategy asks for, it
calls ``pipeline_fn(shard_id, num_shards, device_id)`` with what the strategy's
``tf.distribute.InputContext`` says, builds a DALIDataset from the pipeline it returns and places
it where the replica's input must be. The user writes no shard id, device id or ``tf.device``.

Which input pipeline feeds which device:

- ``tf.distribute.MirroredStrategy``: one input pipeline per replica
  (``InputReplicationMode.PER_REPLICA``). TensorFlow makes input pipeline ``i`` for the replica
  on ``strategy.extended.worker_devices[i]`` (both are the strategy's device list, in order), so
  shard ``i`` of ``len(worker_devices)`` feeds that device. The DALIDataset is placed on that
  device, GPU or CPU, and iterated there (``experimental_place_dataset_on_device=True``,
  ``experimental_fetch_to_device=False``): a GPU replica gets the pipeline's outputs on its GPU
  (no trip through the host), and no tf.data ``MultiDeviceIterator`` is involved (on TF 2.21
  destroying one while it prefetches can crash, see ``input_options``).
- ``tf.distribute.MultiWorkerMirroredStrategy``: one input pipeline per worker (TensorFlow supports
  no other mode there), ``input_pipeline_id`` = the worker's index in the cluster and
  ``num_input_pipelines`` = the number of workers. Each worker must run one replica (one GPU, or
  the CPU): the worker's pipeline is that replica's. TensorFlow iterates it on the worker's host
  and prefetches its elements to the replica's device (the default ``InputOptions``).

Sharding: each input pipeline's readers must read the shard it was given. The pipeline is built
once (not run) to read every reader's metadata (``reader_meta()``: ``shard_id``,
``number_of_shards``), which must be input pipeline ``i`` of ``n``: a ``pipeline_fn`` that ignores
``shard_id`` would make every replica read the same samples, silently. A reader that every replica
is meant to read whole is named in ``unsharded_readers``. The same built copy gives the reader's
epoch when ``reader_name`` is given.

GPU ordinals: TensorFlow's ``/gpu:N`` is not always CUDA device N (``tf.config.set_visible_devices``
hides GPUs, ``tf.config.set_logical_device_configuration`` splits one GPU into several logical
ones), while DALI's ``device_id`` is the CUDA ordinal. ``cuda_ordinal`` maps one to the other the
way TensorFlow numbers its GPUs: the visible physical GPUs in order, each contributing its logical
devices.
"""

import contextlib
from typing import Callable, Optional, Sequence

import tensorflow as tf
from nvidia.dali import pipeline as _dali_pipeline
from tensorflow.python.eager import context

from dali_tf import _epochs
from dali_tf._dataset_op import OutputStructure, check_passed_on_kwargs
from dali_tf._pipeline import FROM_PIPELINE, PipelineSettings
from dali_tf.dataset import DALIDataset, dataset_options

# What distributed_dataset decides itself, and so may not be passed on to DALIDataset.
_RESERVED_KWARGS = ("pipeline", "device_id")


__all__ = ["distributed_dataset", "worker_barrier"]

# pipeline_fn(shard_id, num_shards, device_id) -> the DALI pipeline of one input pipeline.
PipelineFn = Callable[[int, int, Optional[int]], _dali_pipeline.Pipeline]


def distributed_dataset(
    strategy: tf.distribute.Strategy,
    pipeline_fn: PipelineFn,
    output_dtypes,
    output_shapes=None,
    *,
    unsharded_readers: Sequence[str] = (),
    **kwargs,
) -> tf.distribute.DistributedDataset:
    """A ``tf.distribute.DistributedDataset`` of DALI batches: one DALIDataset per input pipeline.

    Args:
      strategy: a ``tf.distribute.MirroredStrategy``, or a
        ``tf.distribute.MultiWorkerMirroredStrategy`` with one replica per worker.
      pipeline_fn: ``pipeline_fn(shard_id, num_shards, device_id)`` returns the DALI pipeline of
        one input pipeline. Pass ``shard_id`` and ``num_shards`` to the readers (``fn.readers.*``:
        they shard themselves) and ``device_id`` to the pipeline: the CUDA ordinal of the
        replica's GPU, or None on a CPU replica (a CPU-only pipeline).
      output_dtypes, output_shapes: as for ``DALIDataset``; the batch dimension is the pipeline's
        ``batch_size``, which is the **per-replica** batch: each replica gets whole batches of its
        own pipeline, and a step of the strategy takes ``batch_size * num_replicas_in_sync``
        samples.
      unsharded_readers: names of readers that every input pipeline reads whole, on purpose
        (e.g. a small set of backgrounds mixed into every sample). Every other reader must read
        shard ``shard_id`` of ``num_shards``: a reader that does not is an error, since every
        replica would read the same samples.
      **kwargs: the other arguments of ``DALIDataset`` (``num_threads``, ``batch_size``,
        ``prefetch_queue_depth``, ...). ``device_id`` is not one of them: it is the replica's.

    Each replica's dataset gets ``dali_tf.dataset_options()`` (no tf.data auto-sharding: the
    readers shard). Under MirroredStrategy it is placed on the replica's device: on a GPU
    replica the pipeline's GPU outputs are the replica's inputs (one device-to-device copy into
    TensorFlow's memory, on its stream). Under MultiWorkerMirroredStrategy TensorFlow iterates
    every input pipeline on the worker's host:
    the pipeline still runs on the replica's GPU, its outputs are copied to the host
    (``fail_on_device_mismatch=False``) and TensorFlow prefetches them to the GPU; call
    ``worker_barrier()`` after the last step, before a worker exits (see there why).
    """
    kind, devices = _strategy_devices(strategy)
    if not callable(pipeline_fn):
        raise TypeError(
            "pipeline_fn must be a function pipeline_fn(shard_id, num_shards, device_id) that "
            "returns a DALI pipeline, got %s" % type(pipeline_fn).__name__
        )
    _check_kwargs(kwargs)
    unsharded_readers = _reader_names(unsharded_readers)
    # Early, readable errors for the declared outputs (DALIDataset checks them again).
    OutputStructure.resolve(
        output_dtypes, output_shapes, kwargs.get("dtypes"), kwargs.get("shapes")
    )

    on_gpu = [tf.DeviceSpec.from_string(d).device_type == "GPU" for d in devices]
    ordinals = [cuda_ordinal(d) if gpu else None for d, gpu in zip(devices, on_gpu)]

    def dataset_fn(input_context):
        pipeline_id = input_context.input_pipeline_id
        num_pipelines = input_context.num_input_pipelines
        if kind == "mirrored":
            # PER_REPLICA: input pipeline i is the replica on the strategy's device i.
            if num_pipelines != len(devices):
                raise RuntimeError(
                    "MirroredStrategy made %d input pipelines for %d replicas (%s): expected one "
                    "per replica" % (num_pipelines, len(devices), ", ".join(devices))
                )
            replica = pipeline_id
            _check_called_under(devices[replica], pipeline_id)
        else:
            replica = 0  # the worker's one replica
        device, device_id = devices[replica], ordinals[replica]
        pipe = pipeline_fn(pipeline_id, num_pipelines, device_id)
        if not isinstance(pipe, _dali_pipeline.Pipeline):
            raise TypeError(
                "pipeline_fn(shard_id=%d, num_shards=%d, device_id=%r) must return an nvidia.dali "
                "Pipeline (e.g. made by a @pipeline_def function), got %s"
                % (pipeline_id, num_pipelines, device_id, type(pipe).__name__)
            )
        if device_id is None and pipe.device_id is not None:
            raise ValueError(
                "pipeline_fn(shard_id=%d, num_shards=%d, device_id=None) returned a pipeline with "
                "device_id=%d, but its replica runs on %s: build the pipeline with the device_id "
                "pipeline_fn is given (None: CPU only)"
                % (pipeline_id, num_pipelines, pipe.device_id, device)
            )
        options = dict(kwargs, device_id=device_id)
        call = "pipeline_fn(shard_id=%d, num_shards=%d, device_id=%r)" % (
            pipeline_id,
            num_pipelines,
            device_id,
        )
        if kind == "mirrored":
            # On the replica's device (TensorFlow calls dataset_fn under it too): its outputs are
            # the replica's inputs.
            scope = tf.device(device)
        else:
            if on_gpu[replica]:
                # MultiWorkerMirroredStrategy iterates every input pipeline on the worker's host
                # (through a MultiDeviceIterator): the GPU outputs are copied there.
                options["fail_on_device_mismatch"] = False
            # On the device TensorFlow calls dataset_fn under: the worker's host CPU.
            scope = contextlib.nullcontext()
        with scope, _epochs.read_once():
            settings = PipelineSettings.resolve(
                pipe,
                batch_size=options.get("batch_size", FROM_PIPELINE),
                device_id=device_id,
            )
            check_readers_sharded(
                _epochs.readers_meta(settings),
                pipeline_id,
                num_pipelines,
                unsharded_readers,
                call,
            )
            dataset = DALIDataset(pipe, output_dtypes, output_shapes, **options)
            return dataset.with_options(dataset_options())

    # MirroredStrategy keeps the input workers of the last PER_REPLICA options as its default:
    # without the restore, the strategy's other datasets (experimental_distribute_dataset, Keras
    # with a plain dataset) would be split per replica, or placed on the GPUs, from now on.
    extended = strategy.extended
    saved = getattr(extended, "_input_workers_devices", None)
    try:
        return strategy.distribute_datasets_from_function(dataset_fn, options=input_options(kind))
    finally:
        if saved is not None:
            extended._input_workers_devices = saved  # pylint: disable=protected-access


def worker_barrier(name: str = "dali_tf_exit", timeout_s: float = 300.0) -> None:
    """Blocks until every worker of the cluster has called ``worker_barrier(name)``.

    Call it once, after the last step, before a ``MultiWorkerMirroredStrategy`` worker exits.
    TensorFlow's collectives pull each worker's part of an all-reduce from that worker
    (``RecvBuf``), and a worker whose own result is complete does not wait for the others to
    pull theirs: without a barrier it can exit while another worker still pulls from it, and that
    worker's last step then fails with "Collective ops is aborted by: Socket closed ... while
    calling /tensorflow.WorkerService/RecvBuf". A worker reaches the barrier only once its own
    last step is complete, so after it no worker is still pulling.

    The barrier is TensorFlow's coordination service's, which ``MultiWorkerMirroredStrategy``
    starts. Raises RuntimeError without one (no multi-worker strategy was made in this process),
    and TensorFlow's DeadlineExceededError if some worker does not arrive within `timeout_s`.
    """
    ctx = context.context()
    if ctx.coordination_service is None:
        raise RuntimeError(
            "worker_barrier needs TensorFlow's coordination service, which "
            "tf.distribute.MultiWorkerMirroredStrategy starts: make the strategy first"
        )
    ctx.wait_at_barrier(name, int(timeout_s * 1000))


def check_readers_sharded(readers, shard_id, num_shards, unsharded_readers, call):
    """Every reader of an input pipeline reads shard `shard_id` of `num_shards`, unless named in
    `unsharded_readers`. `readers` is the pipeline's ``reader_meta()``; `call` names the
    pipeline_fn call in messages.

    A reader that ignores the shard it is given reads the same samples on every replica (each
    sample num_shards times a step), or leaves shards unread: a wrong epoch without an error.
    """
    unknown = sorted(set(unsharded_readers) - set(readers))
    if unknown:
        raise ValueError(
            "unsharded_readers names %s, but %s returned a pipeline without such a reader (its "
            "readers: %s)"
            % (", ".join(map(repr, unknown)), call, ", ".join(sorted(readers)) or "none")
        )
    for name, meta in sorted(readers.items()):
        if name in unsharded_readers:
            continue
        got = (int(meta["shard_id"]), int(meta["number_of_shards"]))
        if got == (shard_id, num_shards):
            continue
        if got[1] == 1:
            what = "reads the whole data set: every replica would read the same samples"
        else:
            what = "reads shard %d of %d" % got
        raise ValueError(
            "%s returned a pipeline whose reader %r %s, but it is input pipeline %d of %d: pass "
            "shard_id and num_shards to the reader (e.g. fn.readers.file(..., shard_id=shard_id, "
            "num_shards=num_shards)). A reader that every replica is meant to read whole goes in "
            "distributed_dataset(..., unsharded_readers=[%r])"
            % (call, name, what, shard_id, num_shards, name)
        )


def input_options(kind):
    """The ``tf.distribute.InputOptions`` for `kind` ("mirrored" or "multi_worker").

    MirroredStrategy: one input pipeline per replica, placed and iterated on the replica's
    device, GPU or CPU. Also on the CPU this is not TensorFlow's default (which iterates every
    pipeline on the host's CPU:0 through a MultiDeviceIterator that prefetches to the replica's
    device): on TF 2.21 destroying a MultiDeviceIterator while its background thread is in the
    middle of a GetNext can crash the process (a use after free, seen with plain tf.data
    datasets too), and a pipeline placed on its replica's device needs no such iterator.
    """
    if kind == "multi_worker":
        # PER_WORKER is the only mode MultiWorkerMirroredStrategy has; its input pipelines run
        # on the worker's host, and TensorFlow prefetches their elements to the replica's device.
        return tf.distribute.InputOptions()
    return tf.distribute.InputOptions(
        experimental_replication_mode=tf.distribute.InputReplicationMode.PER_REPLICA,
        experimental_place_dataset_on_device=True,
        experimental_fetch_to_device=False,
    )


def cuda_ordinal(device, gpus=None):
    """The CUDA ordinal (DALI's device_id) of TensorFlow's GPU `device` (e.g. "/gpu:1").

    `gpus` lists the visible physical GPUs in order as ``(physical name, number of logical
    devices)``; by default read from ``tf.config``. TensorFlow numbers its GPUs by walking the
    visible physical GPUs in order, each giving its logical devices (one unless configured), and
    a physical device ``/physical_device:GPU:K`` is CUDA device K.
    """
    index = tf.DeviceSpec.from_string(device).device_index or 0
    if gpus is None:
        gpus = []
        for physical in tf.config.get_visible_devices("GPU"):
            logical = tf.config.get_logical_device_configuration(physical)
            gpus.append((physical.name, len(logical) if logical else 1))
    first = 0
    for name, count in gpus:
        if index < first + count:
            return int(name.rsplit(":", 1)[1])
        first += count
    raise ValueError(
        "The replica device %s is not one of the %d GPUs TensorFlow sees" % (device, first)
    )


def _check_called_under(device, pipeline_id):
    """TensorFlow calls the dataset function of input pipeline i under replica i's device (with
    experimental_place_dataset_on_device): a different device means the pipeline -> replica
    mapping no longer holds, which must not go unnoticed (the shards would be mixed up)."""
    if not tf.executing_eagerly():
        return
    current = context.context().device_name
    if not current:
        return
    got, want = tf.DeviceSpec.from_string(current), tf.DeviceSpec.from_string(device)
    if (got.device_type, got.device_index) != (want.device_type, want.device_index):
        raise RuntimeError(
            "TensorFlow built input pipeline %d on %s, but it is the input of the replica on %s "
            "(strategy.extended.worker_devices[%d])" % (pipeline_id, current, device, pipeline_id)
        )


def _strategy_devices(strategy):
    """("mirrored" or "multi_worker", the devices of this process's replicas, in order)."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        devices = tuple(strategy.extended.worker_devices)
        if len(devices) != 1:
            raise ValueError(
                "dali_tf.distributed_dataset supports MultiWorkerMirroredStrategy with one replica "
                "per worker (TensorFlow gives each worker a single input pipeline), but this "
                "worker has %d: %s. Run one worker process per GPU (e.g. set "
                "CUDA_VISIBLE_DEVICES per worker)" % (len(devices), ", ".join(devices))
            )
        return "multi_worker", devices
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        return "mirrored", tuple(strategy.extended.worker_devices)
    raise TypeError(
        "strategy must be a tf.distribute.MirroredStrategy or tf.distribute."
        "MultiWorkerMirroredStrategy, got %s" % type(strategy).__name__
    )


def _reader_names(unsharded_readers):
    if isinstance(unsharded_readers, str) or not all(
        isinstance(name, str) for name in unsharded_readers
    ):
        raise TypeError(
            "unsharded_readers must be a list of reader names (the name= of readers), got %r"
            % (unsharded_readers,)
        )
    return frozenset(unsharded_readers)


def _check_kwargs(kwargs):
    check_passed_on_kwargs(
        kwargs,
        _RESERVED_KWARGS,
        "distributed_dataset",
        "device_id is the replica's GPU (None on a CPU replica) and the pipeline comes from "
        "pipeline_fn",
    )
