"""dali_tf: NVIDIA DALI pipelines as TensorFlow tensors.

- ``DALIDataset``: a ``tf.data.Dataset`` running a DALI pipeline (TF2, eager, tf.function, Keras).
- ``experimental.DALIDatasetWithInputs``: the same, fed by other ``tf.data`` datasets and by
  ``fn.external_source(source=...)`` callbacks.
- ``dali`` / ``DALIIterator`` / ``DALIRawIterator``: the legacy ``Dali`` op for TF1 sessions.

The plugin library is loaded on first use (see ``dali_tf._loader``).
"""

from dali_tf._pipeline import serialize_pipeline
from dali_tf.dataset import DALIDataset, dataset_options
from dali_tf.legacy import DALIIterator, DALIRawIterator, dali
from dali_tf import experimental

__version__ = "0.1.0"

__all__ = [
    "DALIDataset",
    "DALIIterator",
    "DALIRawIterator",
    "dali",
    "dataset_options",
    "experimental",
    "serialize_pipeline",
]
