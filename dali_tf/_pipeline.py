"""Reading what a DALI pipeline object was configured with, and serializing it."""

from nvidia.dali import pipeline as _dali_pipeline
from nvidia.dali import types as _dali_types

# DALI's device id of a pipeline that uses no GPU (device_id=None in Python).
CPU_ONLY_DEVICE_ID = _dali_types.CPU_ONLY_DEVICE_ID


def check_pipeline(pipe, what="pipeline"):
    if not isinstance(pipe, _dali_pipeline.Pipeline):
        raise TypeError("%s must be an nvidia.dali Pipeline (e.g. made by @pipeline_def), got %s"
                        % (what, type(pipe).__name__))


def serialize_pipeline(pipe):
    """Serializes a DALI pipeline for the plugin's ops (``pipe.serialize()`` with a clear error)."""
    check_pipeline(pipe)
    try:
        return pipe.serialize()
    except Exception as e:  # DALI raises RuntimeError/TypeError with its own message
        raise ValueError("Could not serialize the DALI pipeline: %s" % e) from e


def configured_settings(pipe):
    """What the pipeline object was configured with, under the names of the ops' attributes."""
    return dict(
        batch_size=pipe.max_batch_size,
        num_threads=pipe.num_threads,
        device_id=pipe.device_id,  # None: CPU only
        exec_separated=bool(pipe.exec_separated),
        exec_dynamic=bool(pipe.exec_dynamic),
        cpu_prefetch_queue_depth=pipe.cpu_queue_size,
        gpu_prefetch_queue_depth=pipe.gpu_queue_size,
        enable_memory_stats=bool(pipe.enable_memory_stats))


def require_cpu_only(pipe):
    """Refuses device_id=None (CPU only) for a pipeline defined with a GPU: DALI can replace a
    serialized device id, but not remove it."""
    if pipe is not None and pipe.device_id is not None:
        raise ValueError(
            "device_id=None cannot override the pipeline's device_id=%d (a pipeline built with "
            "device_id=%d keeps its GPU: DALI can replace a device id, not remove it); build the "
            "pipeline with device_id=None instead" % (pipe.device_id, pipe.device_id))
