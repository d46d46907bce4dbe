"""DALI datasets on tf.data service workers (``tf.data.experimental.service``), each worker
reading its own part of the data.

Servers (run ``python -m dali_tf.service dispatcher|worker ...``, or start them in Python):
  ``dispatch_server``, ``worker_server``: TensorFlow's own servers, in a process that has loaded
  the plugin's ops (workers and the dispatcher rebuild the dataset graph).
Trainer:
  ``parts_dataset``: the data split into parts, one DALI pipeline per part (reader shard), as a
  dataset for ``distribute(processing_mode="distributed_epoch")``;
  ``distributed_dataset``: that dataset, distributed.
"""

from dali_tf.service._parts import distributed_dataset, parts_dataset
from dali_tf.service._servers import dispatch_server, worker_server

__all__ = ["dispatch_server", "distributed_dataset", "parts_dataset", "worker_server"]
