"""``python -m dali_tf.service dispatcher|worker ...``: a tf.data service server with dali_tf's
ops, until SIGINT or SIGTERM.

    python -m dali_tf.service dispatcher --port 5050 [--work_dir DIR --fault_tolerant_mode]
    python -m dali_tf.service worker --dispatcher HOST:5050 --port 5051 [--worker_address HOST:5051]

Prints one line when it serves: ``dali_tf.service <kind> serving on port <port>``.
"""

import argparse
import signal
import sys
import threading

from dali_tf import service


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m dali_tf.service",
        description="A tf.data service dispatcher or worker (TensorFlow's own servers) that can "
        "run DALI datasets.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    dispatcher = kinds.add_parser("dispatcher", help="the dispatcher trainers connect to")
    dispatcher.add_argument("--port", type=int, default=0, help="0: any free port")
    dispatcher.add_argument("--work_dir", default=None, help="where the dispatcher keeps state")
    dispatcher.add_argument(
        "--fault_tolerant_mode",
        action="store_true",
        help="journal the state in --work_dir, so a restarted dispatcher recovers it",
    )
    worker = kinds.add_parser("worker", help="a worker that runs the datasets")
    worker.add_argument("--dispatcher", required=True, help="the dispatcher's host:port")
    worker.add_argument("--port", type=int, default=0, help="0: any free port")
    worker.add_argument(
        "--worker_address",
        default=None,
        help="host:port trainers reach this worker at (default: localhost:<port>)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    # Before the servers start (loading the plugin takes a while): a stop asked for meanwhile
    # is not lost.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if args.kind == "dispatcher":
        server = service.dispatch_server(
            args.port, work_dir=args.work_dir, fault_tolerant_mode=args.fault_tolerant_mode
        )
    else:
        server = service.worker_server(
            args.dispatcher, args.port, worker_address=args.worker_address
        )
    # The port it bound (the one asked for, or a free one for --port 0).
    port = int(server._address.rsplit(":", 1)[1])  # pylint: disable=protected-access
    print("dali_tf.service %s serving on port %d" % (args.kind, port), flush=True)
    while not stop.wait(3600):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
