"""tf.data service servers with dali_tf's ops: TensorFlow's own DispatchServer and WorkerServer,
started in a process that has loaded the plugin first.

A worker receives the dataset as a serialized graph and rebuilds it, which needs every op of the
graph registered in its process; the dispatcher rebuilds it too, to split it
(``distributed_epoch``). A process that has not loaded the plugin fails the job with TensorFlow's
``Op type not registered 'DALIDataset' in binary running on <host>``.
"""

from typing import Optional

import tensorflow as tf

from dali_tf import _loader

_GRPC = "grpc://"


def dispatch_server(
    port: int = 0, *, start: bool = True, **config
) -> tf.data.experimental.service.DispatchServer:
    """A ``tf.data.experimental.service.DispatchServer`` in this process, with the plugin loaded.

    `config` are the other fields of ``tf.data.experimental.service.DispatcherConfig``
    (``work_dir``, ``fault_tolerant_mode``, ...). Its ``target`` is the address trainers give
    ``distribute(service=...)``.
    """
    _loader.ops()
    return tf.data.experimental.service.DispatchServer(
        tf.data.experimental.service.DispatcherConfig(port=port, **config), start=start
    )


def worker_server(
    dispatcher_address: str,
    port: int = 0,
    *,
    worker_address: Optional[str] = None,
    start: bool = True,
    **config,
) -> tf.data.experimental.service.WorkerServer:
    """A ``tf.data.experimental.service.WorkerServer`` in this process, with the plugin loaded.

    `dispatcher_address` is ``host:port`` (or the dispatcher's ``grpc://host:port`` target).
    `worker_address` is the ``host:port`` trainers connect to, as they can reach this machine
    (TensorFlow's default, ``localhost:<port>``, suits only one machine). `config` are the other
    fields of ``tf.data.experimental.service.WorkerConfig``.
    """
    _loader.ops()
    if dispatcher_address.startswith(_GRPC):
        dispatcher_address = dispatcher_address[len(_GRPC) :]
    if worker_address is not None:
        config["worker_address"] = worker_address
    return tf.data.experimental.service.WorkerServer(
        tf.data.experimental.service.WorkerConfig(
            dispatcher_address=dispatcher_address, port=port, **config
        ),
        start=start,
    )
