"""One trainer fed by tf.data service workers running DALI: 1 worker against 2, and the same
parts read in the trainer's own process, in one run.

    bazel run //benchmarks:service -- --files=1024 --batch=32 --num_parts=4 --rounds=3

Set-up, once: JPEGs written by this benchmark; two tf.data services on 127.0.0.1, each a
dispatcher process with its workers (``python -m dali_tf.service``): service "1 worker" has one
worker process, service "2 workers" two. This process is the trainer. Per round, in an order
that alternates from round to round, it reads --epochs epochs of each side and times the last
--epochs - 1 (the first registers the dataset and traces its functions):
  local      dali_tf.service.parts_dataset iterated here, the parts one after the other (the same
             pipelines and parts, no service);
  1 worker   the parts through tf.data.experimental.service.distribute(distributed_epoch);
  2 workers  the same, the dispatcher handing the parts to two workers.
Every part is one pipeline: readers.file (shard i of --num_parts) -> decoders.image ->
resize(--size) as uint8 HWC, --batch images per batch, --num_threads DALI threads. The trainer
turns every output into NumPy (np.asarray), as training input would be touched.

Columns (medians over the rounds): samples/s; the ratio to "1 worker" (per round, then the
median); CPU ms per batch of each worker process (user + system, all its threads, from
/proc/<pid>/stat over the timed epochs) and of the trainer process (getrusage). A worker's CPU
per batch is the pipeline's cost on a worker (decoding, plus the service's serving of the batch):
what one more worker machine adds is about its cores / that cost in batches per second, until
the trainer's own CPU per batch (receiving and, with compression, decompressing) limits.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# Before TensorFlow starts: its C++ logging would otherwise fill the output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402
from nvidia.dali import fn, pipeline_def  # noqa: E402

import dali_tf.service  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("files", 1024, "JPEGs in the data set (one epoch).")
flags.DEFINE_integer("batch", 32, "Images per batch.")
flags.DEFINE_integer(
    "num_parts",
    4,
    "Parts (reader shards) the data is split into. Each part's pipeline decodes up to its prefetch "
    "depth (2) batches past the part's end: keep parts many batches long.",
)
flags.DEFINE_integer("num_threads", 2, "DALI threads of each part's pipeline.")
flags.DEFINE_integer("size", 224, "Images are resized to size x size.")
flags.DEFINE_integer("rounds", 3, "Interleaved rounds (medians are reported).")
flags.DEFINE_integer("epochs", 3, "Epochs each side reads per round; all but the first are timed.")
flags.DEFINE_enum(
    "compression", "none", ["none", "auto"], "distribute()'s compression: none, or AUTO (snappy)."
)
flags.DEFINE_string("data_dir", None, "Where to write the JPEGs (a temporary directory if unset).")

START_TIMEOUT_S = 180
SIDES = ("local", "1 worker", "2 workers")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def write_jpegs(root, count):
    """`count` JPEGs of 320x240 to 384x288 pixels, smooth with noise (they compress like
    photographs), in one class folder."""
    rng = np.random.default_rng(0)
    folder = os.path.join(root, "images")
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        h, w = 240 + 16 * (i % 4), 320 + 16 * (i % 5)
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([(x + 7 * i) % 256, (y + 3 * i) % 256, (x + y) % 256], axis=-1)
        pixels = np.clip(base + rng.normal(0, 10, size=base.shape), 0, 255).astype(np.uint8)
        with open(os.path.join(folder, "img_%05d.jpg" % i), "wb") as f:
            f.write(tf.io.encode_jpeg(pixels, quality=90).numpy())


@pipeline_def(device_id=None)
def images(root, shard_id, num_shards, size):
    jpegs, labels = fn.readers.file(
        file_root=root, shard_id=shard_id, num_shards=num_shards, name="Reader"
    )
    return fn.resize(fn.decoders.image(jpegs), resize_x=size, resize_y=size), labels


def parts(root):
    def pipeline_fn(shard_id, num_shards, device_id):
        return images(
            root,
            shard_id,
            num_shards,
            FLAGS.size,
            batch_size=FLAGS.batch,
            num_threads=FLAGS.num_threads,
            device_id=device_id,
        )

    return dali_tf.service.parts_dataset(
        pipeline_fn,
        FLAGS.num_parts,
        output_dtypes=(tf.uint8, tf.int32),
        output_shapes=((None, FLAGS.size, FLAGS.size, 3), (None, 1)),
        reader_name="Reader",
    )


class Service:
    """A dispatcher process and its worker processes on 127.0.0.1."""

    def __init__(self, num_workers, log_dir):
        self.procs = []
        self.port = self._start(log_dir, "dispatcher%d" % num_workers, "dispatcher")
        self.workers = [
            self._start(
                log_dir,
                "worker%d_%d" % (num_workers, i),
                "worker",
                "--dispatcher",
                "127.0.0.1:%d" % self.port,
            )
            for i in range(num_workers)
        ]
        self.target = "grpc://127.0.0.1:%d" % self.port

    def _start(self, log_dir, name, *args):
        port = free_port()
        log = os.path.join(log_dir, name + ".log")
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dali_tf.service", *args, "--port", str(port)]
                + (["--worker_address", "127.0.0.1:%d" % port] if args[0] == "worker" else []),
                env=dict(
                    os.environ,
                    PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
                    CUDA_VISIBLE_DEVICES="",
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append((proc, log))
        return port if args[0] == "dispatcher" else proc

    def wait_serving(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        for proc, log in self.procs:
            while "serving on port" not in open(log).read():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("%s did not start:\n%s" % (log, open(log).read()[-3000:]))
                time.sleep(0.2)

    def worker_cpu_seconds(self):
        """Each worker process's CPU time so far (user + system, all threads)."""
        seconds = []
        for proc in self.workers:
            with open("/proc/%d/stat" % proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            seconds.append((int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        return seconds

    def close(self):
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc, _ in self.procs:
            proc.wait()


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trainer_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_epoch(dataset):
    """Reads one epoch (one job on a service), touching every output; (batches, samples)."""
    batches = samples = 0
    for images_batch, labels in dataset:
        np.asarray(images_batch)
        np.asarray(labels)
        batches += 1
        samples += labels.shape[0]
    return batches, samples


def read_epochs(dataset, service):
    """Reads FLAGS.epochs epochs; returns (seconds, batches, samples, trainer CPU s, each
    worker's CPU s) over all but the first."""
    read_epoch(dataset)
    start = time.perf_counter()
    cpu = trainer_cpu_seconds()
    workers = service.worker_cpu_seconds() if service else []
    batches = samples = 0
    for _ in range(FLAGS.epochs - 1):
        epoch_batches, epoch_samples = read_epoch(dataset)
        batches += epoch_batches
        samples += epoch_samples
    seconds = time.perf_counter() - start
    cpu = trainer_cpu_seconds() - cpu
    if service:
        workers = [b - a for a, b in zip(workers, service.worker_cpu_seconds())]
    return seconds, batches, samples, cpu, workers


def main(argv):
    del argv
    if FLAGS.epochs < 2:
        raise app.UsageError("--epochs must be at least 2 (the first is not timed)")
    compression = None if FLAGS.compression == "none" else "AUTO"
    services = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = FLAGS.data_dir or os.path.join(tmp, "data")
        write_jpegs(root, FLAGS.files)
        try:
            services["1 worker"] = Service(1, tmp)
            services["2 workers"] = Service(2, tmp)
            for service in services.values():
                service.wait_serving()
            results = {side: [] for side in SIDES}
            for round_index in range(FLAGS.rounds):
                order = SIDES[round_index % 3 :] + SIDES[: round_index % 3]
                for side in order:
                    dataset = parts(root)
                    service = services.get(side)
                    if service:
                        dataset = dataset.apply(
                            tf.data.experimental.service.distribute(
                                processing_mode="distributed_epoch",
                                service=service.target,
                                compression=compression,
                            )
                        )
                    seconds, batches, samples, cpu, workers = read_epochs(dataset, service)
                    results[side].append((samples / seconds, batches, cpu, workers))
                    print(
                        "round %d %-9s %7.1f samples/s  %d batches in %.2f s  trainer CPU %.1f "
                        "ms/batch  workers' CPU %s ms/batch"
                        % (
                            round_index,
                            side,
                            samples / seconds,
                            batches,
                            seconds,
                            1000 * cpu / batches,
                            ", ".join("%.1f" % (1000 * w / batches) for w in workers) or "-",
                        ),
                        flush=True,
                    )
        finally:
            for service in services.values():
                service.close()

    print()
    print(
        "NOTE: a shared, busy machine (%d CPU cores) runs the trainer and every worker: workers "
        "compete with each other and the trainer for the same cores." % os.cpu_count()
    )
    print(
        "%d JPEGs -> decode -> resize %dx%d uint8, batch %d, %d parts, %d DALI threads per part; "
        "%d timed epochs per side and round, compression %s"
        % (
            FLAGS.files,
            FLAGS.size,
            FLAGS.size,
            FLAGS.batch,
            FLAGS.num_parts,
            FLAGS.num_threads,
            FLAGS.epochs - 1,
            FLAGS.compression,
        )
    )
    print(
        "%-10s %10s %16s %18s %28s"
        % ("side", "samples/s", "/ 1 worker", "trainer CPU ms/b", "each worker's CPU ms/batch")
    )
    for side in SIDES:
        rows = results[side]
        ratios = [r[0] / o[0] for r, o in zip(rows, results["1 worker"])]
        per_worker = [
            statistics.median(1000 * r[3][w] / r[1] for r in rows) for w in range(len(rows[0][3]))
        ]
        print(
            "%-10s %10.1f %6.2fx [%.2f-%.2f] %18.1f %28s"
            % (
                side,
                statistics.median(r[0] for r in rows),
                statistics.median(ratios),
                min(ratios),
                max(ratios),
                statistics.median(1000 * r[2] / r[1] for r in rows),
                ", ".join("%.1f" % w for w in per_worker) or "-",
            )
        )


if __name__ == "__main__":
    app.run(main)
