"""dali_tf: NVIDIA DALI pipelines as TensorFlow tensors; a drop-in for ``nvidia.dali.plugin.tf``.

- ``DALIDataset``: a ``tf.data.Dataset`` running a DALI pipeline (TF2, eager, tf.function, Keras).
- ``experimental.DALIDatasetWithInputs``: the same, fed by other ``tf.data`` datasets and by
  ``fn.external_source(source=...)`` callbacks.
- ``distributed_dataset``: one DALIDataset per input pipeline of a ``tf.distribute`` strategy,
  sharded and placed by the strategy.
- ``service``: DALI datasets on tf.data service workers, each reading its own part.
- ``dali`` / ``DALIIterator`` / ``DALIRawIterator``: the legacy ``Dali`` op for TF1 sessions.

The plugin library is loaded on first use (see ``dali_tf._loader``).
"""

from dali_tf import _gpu_memory, experimental, service
from dali_tf._compat import (
    dataset_compatible_tensorflow,
    dataset_distributed_compatible_tensorflow,
    dataset_inputs_compatible_tensorflow,
)
from dali_tf._pipeline import serialize_pipeline
from dali_tf.dataset import DALIDataset, dataset_options
from dali_tf.distribute import distributed_dataset, worker_barrier
from dali_tf.legacy import DALIIterator, DALIIteratorWrapper, DALIRawIterator, dali

__version__ = "0.1.0"

# Before TensorFlow starts its GPUs, so that DALI can allocate GPU memory too (see _gpu_memory).
_gpu_memory.allow_growth()

__all__ = [
    "DALIDataset",
    "DALIIterator",
    "DALIIteratorWrapper",
    "DALIRawIterator",
    "dali",
    "dataset_compatible_tensorflow",
    "dataset_distributed_compatible_tensorflow",
    "dataset_inputs_compatible_tensorflow",
    "dataset_options",
    "distributed_dataset",
    "experimental",
    "serialize_pipeline",
    "service",
    "worker_barrier",
]
