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
