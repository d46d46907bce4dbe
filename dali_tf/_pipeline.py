"""The pipeline and its options: the one Python owner of what a DALI pipeline object was
configured with, how explicit arguments override it, and its serialization.

Both the dataset ops and the legacy op wrapper resolve their pipeline options here. The
principle: whatever the user configured on the pipeline object is used, unless an argument
explicitly overrides it (NVIDIA's plugin has its own defaults, which silently win instead).
"""

import dataclasses
import re
import warnings
from typing import Optional

from nvidia.dali import pipeline as _dali_pipeline
from nvidia.dali import types as _dali_types

from dali_tf import _dali_internals, _loader

# DALI's device id of a pipeline that uses no GPU (``types.CPU_ONLY_DEVICE_ID``).
CPU_ONLY_DEVICE_ID = _dali_types.CPU_ONLY_DEVICE_ID

# The ops' device_id for a pipeline that leaves its device unset (``device_id=None``, DALI 2.4's
# default: "the current CUDA device, if the pipeline needs one"): an op placed on a GPU runs it on
# that GPU, an op on the CPU leaves it to DALI (cc/common/pipeline_options.h, kDeviceOfPlacement).
DEVICE_OF_PLACEMENT = -2

# The default of the integer arguments: "as configured on the pipeline".
FROM_PIPELINE = -1

# The ops' value of an integer option for "as serialized in the pipeline" (kKeepSerialized).
KEEP_SERIALIZED = -1

# What a pipeline may leave unset and still run (``@pipeline_def`` without num_threads, as NVIDIA's
# MNIST notebooks write it): NVIDIA's plugin then runs it with its own default, and code written
# for it relies on that. (A pipeline without a batch size cannot even be serialized.)
UNSET_PIPELINE_DEFAULTS = dict(num_threads=4)


def check_pipeline(pipe, what="pipeline"):
    if not isinstance(pipe, _dali_pipeline.Pipeline):
        raise TypeError(
            "%s must be an nvidia.dali Pipeline (e.g. made by @pipeline_def), got %s"
            % (what, type(pipe).__name__)
        )


def serialize_pipeline(pipe):
    """Serializes a DALI pipeline for the plugin's ops (``pipe.serialize()`` with a clear error).

    Raises RuntimeError, as DALI and NVIDIA's plugin do, when an operator cannot be serialized:
    operators that run Python code (``fn.python_function``, numba functions) need the Python
    interpreter and cannot run inside a TensorFlow op.
    """
    check_pipeline(pipe)
    try:
        return pipe.serialize()
    except RuntimeError as e:
        match = re.search(r"serialize the operator: `([^`]+)`", str(e))
        what = "its operator %s" % match.group(1) if match else "one of its operators"
        raise RuntimeError(
            "The DALI pipeline cannot run inside TensorFlow: %s cannot be serialized (operators "
            "that run Python code, such as fn.python_function or numba functions, work only in "
            "DALI's own pipeline.run()). DALI said: %s" % (what, e)
        ) from e


def configured_settings(pipe):
    """What the pipeline object was configured with, under the names of the ops' attributes;
    a setting it leaves unset (None, or DALI's -1) has NVIDIA's plugin's default
    (UNSET_PIPELINE_DEFAULTS)."""

    def or_default(name, value):
        return UNSET_PIPELINE_DEFAULTS[name] if value is None or value == -1 else value

    return dict(
        batch_size=pipe.max_batch_size,
        num_threads=or_default("num_threads", pipe.num_threads),
        device_id=pipeline_device(pipe),
        exec_separated=bool(pipe.exec_separated),
        exec_dynamic=bool(pipe.exec_dynamic),
        cpu_prefetch_queue_depth=pipe.cpu_queue_size,
        gpu_prefetch_queue_depth=pipe.gpu_queue_size,
        enable_memory_stats=bool(pipe.enable_memory_stats),
    )


def pipeline_device(pipe):
    """The pipeline's own device_id: None when unset (DALI 2.4's default), CPU_ONLY_DEVICE_ID when
    it was defined CPU-only, or a CUDA ordinal. (DALI's ``device_id`` property says None for
    both of the first two.)"""
    return _dali_internals.pipeline_device_id(pipe)


def require_cpu_only(pipe):
    """Refuses device_id=None (CPU only) for a pipeline defined with a GPU: DALI can replace a
    serialized device id, but not remove it."""
    if pipe is not None and pipe.device_id is not None:
        raise ValueError(
            "device_id=None cannot override the pipeline's device_id=%d (a pipeline built with "
            "device_id=%d keeps its GPU: DALI can replace a device id, not remove it); build the "
            "pipeline with device_id=None instead" % (pipe.device_id, pipe.device_id)
        )


@dataclasses.dataclass(frozen=True)
class PipelineSettings:
    """The pipeline as an op runs it: serialized, with every option resolved.

    Each field but ``num_outputs`` is a pipeline option attribute of the ops, of the same name:
    the C++ side declares those once (cc/common/pipeline_options.cc), and ``op_attrs`` hands
    over exactly the ones the registered ops have (a field missing here is a KeyError there).
    """

    serialized_pipeline: bytes
    batch_size: int
    num_threads: int
    device_id: int  # a CUDA ordinal, CPU_ONLY_DEVICE_ID or DEVICE_OF_PLACEMENT
    exec_separated: bool
    exec_dynamic: bool
    cpu_prefetch_queue_depth: int
    gpu_prefetch_queue_depth: int
    enable_memory_stats: bool
    seed: int  # -1: the pipeline's own
    num_outputs: Optional[int]  # None when the pipeline object does not tell

    @classmethod
    def resolve(
        cls,
        pipeline,
        batch_size=FROM_PIPELINE,
        num_threads=FROM_PIPELINE,
        device_id=FROM_PIPELINE,
        exec_separated=None,
        exec_dynamic=None,
        prefetch_queue_depth=None,
        cpu_prefetch_queue_depth=None,
        gpu_prefetch_queue_depth=None,
        enable_memory_stats=None,
        seed=None,
    ):
        """Explicit arguments win; anything unset (-1 or None) comes from `pipeline`.

        ``prefetch_queue_depth`` is an int (both queues) or ``{"cpu_size": n, "gpu_size": m}``,
        as in DALI's Pipeline, where a dict selects the separated executor.
        """
        check_pipeline(pipeline)
        configured = configured_settings(pipeline)
        if batch_size == FROM_PIPELINE:
            batch_size = configured["batch_size"]
        check_positive_int("batch_size", batch_size)
        if num_threads == FROM_PIPELINE:
            num_threads = configured["num_threads"]
        check_positive_int("num_threads", num_threads)
        if device_id == FROM_PIPELINE:
            device_id = configured["device_id"]
            if device_id is None:  # unset: the GPU the op is placed on, if any
                device_id = DEVICE_OF_PLACEMENT
        elif device_id is None or device_id == CPU_ONLY_DEVICE_ID:  # the plugin's "CPU only"
            require_cpu_only(pipeline)
            device_id = CPU_ONLY_DEVICE_ID
        elif not is_int(device_id) or device_id < 0:
            raise ValueError(
                "device_id must be a GPU ordinal (>= 0) or None for a CPU-only "
                "pipeline, got %r" % (device_id,)
            )

        # As DALI's Pipeline does: separate CPU/GPU queue sizes select the separated executor,
        # which the dynamic executor is not.
        if exec_separated is None:
            exec_separated = isinstance(prefetch_queue_depth, dict) or configured["exec_separated"]
        cpu_depth, gpu_depth = queue_depths(
            prefetch_queue_depth,
            cpu_prefetch_queue_depth,
            gpu_prefetch_queue_depth,
            exec_separated,
            configured["cpu_prefetch_queue_depth"],
            configured["gpu_prefetch_queue_depth"],
        )
        if exec_dynamic is None:
            exec_dynamic = configured["exec_dynamic"] and not (
                exec_separated and not configured["exec_separated"]
            )
        if enable_memory_stats is None:
            enable_memory_stats = configured["enable_memory_stats"]

        if seed is None:
            seed = KEEP_SERIALIZED  # the pipeline's, which its serialization carries
        elif not is_int(seed) or seed < 0:
            raise ValueError("seed must be a non-negative integer or None, got %r" % (seed,))

        serialized = serialize_pipeline(pipeline)
        # Known once the pipeline's graph is defined (serialize defines it).
        graph_outputs = _dali_internals.graph_num_outputs(pipeline)
        return cls(
            serialized_pipeline=serialized,
            batch_size=int(batch_size),
            num_threads=int(num_threads),
            device_id=int(device_id),
            exec_separated=bool(exec_separated),
            exec_dynamic=bool(exec_dynamic),
            cpu_prefetch_queue_depth=int(cpu_depth),
            gpu_prefetch_queue_depth=int(gpu_depth),
            enable_memory_stats=bool(enable_memory_stats),
            seed=int(seed),
            num_outputs=graph_outputs if is_int(graph_outputs) else None,
        )

    def op_attrs(self):
        """The options as the ops' attributes: every pipeline option attribute they register."""
        return {name: getattr(self, name) for name in _loader.pipeline_option_attrs()}


def queue_depths(
    prefetch_queue_depth,
    cpu_prefetch_queue_depth,
    gpu_prefetch_queue_depth,
    exec_separated,
    default_cpu,
    default_gpu,
):
    """(cpu depth, gpu depth) as NVIDIA's plugin reads its three queue arguments.

    ``prefetch_queue_depth`` is an int (both queues) or ``{"cpu_size": n, "gpu_size": m}``, as
    in DALI's Pipeline; unset, the defaults (the pipeline's) stay. The per-queue arguments set
    the queues of the separated executor; without it DALI has one queue, whose depth is
    ``prefetch_queue_depth``, and a per-queue argument that disagrees is ignored with a warning.
    """
    cpu_depth, gpu_depth = default_cpu, default_gpu
    if isinstance(prefetch_queue_depth, dict):
        unknown = set(prefetch_queue_depth) - {"cpu_size", "gpu_size"}
        if unknown or len(prefetch_queue_depth) != 2:
            raise ValueError(
                "prefetch_queue_depth as a dict must have exactly the keys "
                '"cpu_size" and "gpu_size", got %r' % (prefetch_queue_depth,)
            )
        cpu_depth = prefetch_queue_depth["cpu_size"]
        gpu_depth = prefetch_queue_depth["gpu_size"]
    elif prefetch_queue_depth is not None:
        cpu_depth = gpu_depth = prefetch_queue_depth
    for name, value, depth in (
        ("cpu_prefetch_queue_depth", cpu_prefetch_queue_depth, cpu_depth),
        ("gpu_prefetch_queue_depth", gpu_prefetch_queue_depth, gpu_depth),
    ):
        if value is None or value == depth:
            continue
        if not exec_separated:
            warnings.warn(
                "%s=%r is ignored: it sets a queue of the separated executor "
                "(exec_separated=True), and this pipeline has one queue of depth %r "
                "(prefetch_queue_depth)" % (name, value, depth),
                stacklevel=4,
            )
        elif name.startswith("cpu"):
            cpu_depth = value
        else:
            gpu_depth = value
    if not exec_separated:
        gpu_depth = cpu_depth
    check_positive_int("cpu prefetch queue depth", cpu_depth)
    check_positive_int("gpu prefetch queue depth", gpu_depth)
    return cpu_depth, gpu_depth


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_positive_int(name, value):
    if not is_int(value) or value <= 0:
        raise ValueError("%s must be a positive integer, got %r" % (name, value))
