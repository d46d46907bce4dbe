"""Throughput and memory of DALIDataset against the same DALI pipeline run raw (pipeline.run()).

    bazel run //benchmarks:throughput -- --workload=jpeg,big,inputs --rounds=7
    bazel run //benchmarks:throughput -- --device=gpu --workload=jpeg,big --rounds=5

What it measures. For each workload, the same DALI pipeline is consumed in batches on each side:
  raw      pipeline.run(), outputs turned into NumPy;
  dali_tf  dali_tf.DALIDataset (DALIDatasetWithInputs for `inputs`), tensors turned into NumPy;
  plugin   (only with --plugin_python) the same code with NVIDIA's nvidia.dali.plugin.tf.
Each side's outputs are turned into NumPy in two ways, both timed in every round:
  view  no copy: np.asarray(tensor) on a dataset tensor, np.asarray(out.as_tensor()) on raw
        DALI's TensorListCPU (a contiguous TensorCPU, read through the buffer protocol); each
        child checks once that these arrays share the producer's buffer;
  copy  a copy: tensor.numpy() on a dataset tensor, out.as_array() on raw DALI.

How. Every side of every round runs in its own fresh child process (this script, started with
sys.executable and a hidden --_child flag), so each side's RSS is its own: a process that ran raw
DALI and then TensorFlow would mix the two. The parent alternates the sides' order from round to
round (raw, dali_tf, then dali_tf, raw, ...), all rounds of a workload back to back so both sides
see the same machine load. In a child: set up (imports, pipeline or dataset, iterator), run
--warmup batches, then time N batches in view mode and N in copy mode (their order alternating
from round to round too), where N is --iterations or, if more, enough batches for --min_seconds
(judged from the warm-up): a 0.1 s loop of `big` gives ratios anywhere in 0.8-1.1. Only the timed
loops are timed: process start-up, imports and warm-up are not. Each child prints one JSON line;
the parent aggregates.

Workloads (--device=cpu, the default):
  jpeg    readers.file -> decoders.image -> resize(224, 224) -> crop_mirror_normalize (float HWC),
          batch 32, over JPEGs this benchmark writes itself (or --data_dir);
  big     64 x 224x224x3 float32 per batch with trivial compute: measures the hand-off itself;
  inputs  encoded JPEGs fed per sample -> decoders.image -> resize(300, 500), batch 32: raw DALI
          takes them from a cycling Python source=, DALIDatasetWithInputs from a repeating tf.data
          dataset (neither runs out during a round).

--device=gpu: the same pipelines on GPU 0 (device_id=0), their outputs GPU batches: jpeg decodes
with decoders.image(device="mixed") and resizes and normalizes on the GPU; big makes its
64 x 224x224x3 floats with fn.random.uniform(device="gpu"); inputs is not run. The dataset is
placed under tf.device("/gpu:0") (the last dataset: no with_options on top; it turns autotuning
off itself). The two modes are then
  sync  no copy: cudaDeviceSynchronize() after each batch, so that a batch counts once the GPU
        has made it (raw) or made it and copied it into TensorFlow's memory (dali_tf);
  host  a copy to the host: out.as_cpu().as_array() on raw DALI, tensor.numpy() on dali_tf;
and the table adds the GPU memory in use (cudaMemGetInfo: the whole device, total - free) at the
end of each child. Without a GPU visible to TensorFlow, --device=gpu refuses to run.

The table's columns, per workload (medians over the --rounds rounds):
  <side> samples/s view / copy   median samples/s of that side in each mode;
  <side>/raw view, copy          the median of the per-round ratios side/raw (the two sides of a
                                 ratio ran in the same round), and their spread [min-max];
  view faults/batch              per side: the process's page faults (minor + major, getrusage)
                                 during the view loop, per batch;
  view CPU ms/batch              per side: the process's CPU time (user + system, all threads)
                                 during the view loop, per batch;
  view consumer-thread CPU       per side: the CPU time of the thread that takes the batches
                                 (time.thread_time), per batch. On a machine whose cores DALI's
                                 workers keep busy, this thread's time is taken from them;
  RSS steady MiB                 per side: VmRSS averaged over the timed batches (sampled after
                                 each batch from /proc/self/statm, the counter behind VmRSS);
  RSS peak MiB                   per side: VmHWM (/proc/self/status) at the end of the child,
                                 set-up and imports included.
Every child imports TensorFlow and nvidia.dali, raw DALI too (a TensorFlow program has both
loaded), so the RSS columns compare what each side adds. The per-round lines also give each
child's VmRSS right after its imports, which tells the libraries' share from the pipeline's.

--raw_consumer_work_us=N adds N microseconds of CPU work on the consuming thread after each raw
batch: with N near the consumer-thread CPU that dali_tf adds (TensorFlow's eager iterator), it
tells how much of a ratio below 1 that per-batch cost explains.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_list("workload", ["jpeg", "big", "inputs"], "Workloads to run: jpeg, big, inputs.")
flags.DEFINE_enum(
    "device",
    "cpu",
    ["cpu", "gpu"],
    "Where the pipelines run and the dataset is placed (gpu: GPU 0; workloads jpeg and big).",
)
flags.DEFINE_integer(
    "iterations", 50, "Timed batches (at least) per round, side and mode (view, copy)."
)
flags.DEFINE_float(
    "min_seconds",
    2.0,
    "Each timed loop runs at least this long: more than --iterations batches where those "
    "take less (the batch time measured on the warm-up).",
)
flags.DEFINE_integer("rounds", 5, "Interleaved rounds per workload (medians are reported).")
flags.DEFINE_integer("warmup", 20, "Batches each child runs before its timed loops.")
flags.DEFINE_integer("num_threads", 2, "DALI worker threads.")
flags.DEFINE_integer("prefetch_queue_depth", 2, "DALI prefetch queue depth.")
flags.DEFINE_integer("jpeg_files", 64, "JPEGs written for the jpeg and inputs workloads.")
flags.DEFINE_string("data_dir", None, "Where to write the JPEGs (a temporary directory if unset).")
flags.DEFINE_string(
    "plugin_python",
    None,
    "A Python interpreter with NVIDIA's plugin (nvidia.dali.plugin.tf): if set, a "
    "third side, 'plugin', runs the dataset code with it in the same rounds.",
)
flags.DEFINE_integer(
    "raw_consumer_work_us",
    0,
    "Microseconds of CPU work the raw side's consuming thread does after each batch (an A/B of "
    "the consumer's per-batch cost; 0 for none).",
)
flags.DEFINE_integer("child_timeout", 900, "Seconds a child process may take.")
# Internal: set by the parent on the child processes it starts.
flags.DEFINE_enum("_child", None, ["raw", "dataset", "plugin"], "Internal: run one side.")
flags.DEFINE_bool("_copy_first", False, "Internal: the child times the copy mode first.")

WORKLOADS = {"jpeg": 32, "big": 64, "inputs": 32}  # name: batch size
GPU_WORKLOADS = ("jpeg", "big")
# The two ways a batch is consumed, per device: no copy, then a copy to the host.
MODES = {"cpu": ("view", "copy"), "gpu": ("sync", "host")}
RESULT_PREFIX = "THROUGHPUT_CHILD_RESULT "
MIB = 1 << 20


def log(message):
    print(message, flush=True)


# ----------------------------------------------------------------------------------------------
# Data and pipelines (built in the children).


def write_jpegs(root, count):
    """`count` photo-like JPEGs of a few sizes around 500x375 (ImageNet's typical size)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    class_dir = os.path.join(root, "images")
    os.makedirs(class_dir, exist_ok=True)
    for i in range(count):
        h, w = (375, 500) if i % 3 else (333, 500)
        # Smooth gradients plus noise compress like photographs, unlike pure noise.
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([(x + 37 * i) % 256, (y + 11 * i) % 256, (x + y) % 256], axis=-1)
        pixels = np.clip(base + rng.normal(0, 12, size=base.shape), 0, 255).astype(np.uint8)
        with open(os.path.join(class_dir, "img_%04d.jpg" % i), "wb") as f:
            f.write(tf.io.encode_jpeg(pixels, quality=90).numpy())


def on_gpu():
    return FLAGS.device == "gpu"


def device_id():
    """The pipelines' device_id: GPU 0 with --device=gpu, else None (CPU only)."""
    return 0 if on_gpu() else None


def workload_pipeline_def(workload):
    """@pipeline_def with the settings every workload's pipeline shares."""
    from nvidia.dali import pipeline_def

    return pipeline_def(
        batch_size=WORKLOADS[workload],
        num_threads=FLAGS.num_threads,
        device_id=device_id(),
        seed=1,
        prefetch_queue_depth=FLAGS.prefetch_queue_depth,
    )


def jpeg_pipeline(file_root):
    from nvidia.dali import fn, types

    @workload_pipeline_def("jpeg")
    def pipe():
        jpegs, _ = fn.readers.file(file_root=file_root, random_shuffle=True, name="Reader")
        images = fn.decoders.image(jpegs, device="mixed" if on_gpu() else "cpu")
        images = fn.resize(images, size=(224, 224))
        return fn.crop_mirror_normalize(
            images,
            dtype=types.FLOAT,
            output_layout="HWC",
            mean=[123.7, 116.3, 103.5],
            std=[58.4, 57.1, 57.4],
        )

    return pipe()


def big_pipeline():
    from nvidia.dali import fn, types

    @workload_pipeline_def("big")
    def pipe():
        if on_gpu():
            # Random numbers made on the GPU: trivial work for it.
            return fn.random.uniform(range=[0.0, 1.0], shape=[224, 224, 3], device="gpu")
        # One random value per sample, broadcast: a fill is as little compute as a batch gets.
        return fn.full(fn.random.uniform(range=[0.0, 1.0], dtype=types.FLOAT), shape=[224, 224, 3])

    return pipe()


def inputs_pipeline(source=None):
    """Decodes encoded JPEGs given per sample: from `source` (raw) or from TensorFlow."""
    from nvidia.dali import fn

    @workload_pipeline_def("inputs")
    def pipe():
        encoded = fn.external_source(name="encoded", source=source, batch=False)
        return fn.resize(fn.decoders.image(encoded), size=(300, 500))

    return pipe()


def read_encoded(root):
    names = sorted(os.listdir(os.path.join(root, "images")))
    return [np.fromfile(os.path.join(root, "images", n), dtype=np.uint8) for n in names]


def encoded_dataset(encoded):
    """The same encoded JPEGs as an endless (repeated) per-sample tf.data dataset, in memory."""
    import tensorflow as tf

    flat = tf.constant(np.concatenate(encoded))
    ends = np.cumsum([len(e) for e in encoded])
    bounds = tf.constant(np.stack([ends - [len(e) for e in encoded], ends], axis=1))
    return tf.data.Dataset.from_tensor_slices(bounds).map(lambda b: flat[b[0] : b[1]]).repeat()


# ----------------------------------------------------------------------------------------------
# The child: one side of one round.


class RssSampler:
    """VmRSS after every timed batch, from /proc/self/statm (one cheap pread per sample)."""

    def __init__(self):
        self._fd = os.open("/proc/self/statm", os.O_RDONLY)
        self._page = os.sysconf("SC_PAGE_SIZE")
        self.pages = []

    def sample(self):
        self.pages.append(int(os.pread(self._fd, 128, 0).split()[1]))

    def mean_mib(self):
        return statistics.fmean(self.pages) * self._page / MIB

    def close(self):
        os.close(self._fd)


def status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError("%s not in /proc/self/status" % field)


class Cuda:
    """The CUDA runtime TensorFlow uses (libcudart.so.12, from the process or the
    nvidia-cuda-runtime-cu12 wheel): a device-wide synchronization and the device's used memory.
    DALI and TensorFlow share the device's primary context, so one synchronization waits for the
    work of both."""

    def __init__(self):
        import ctypes

        self._ctypes = ctypes
        candidates = ["libcudart.so.12"]
        try:
            import nvidia.cuda_runtime  # pylint: disable=import-outside-toplevel

            candidates.append(
                os.path.join(list(nvidia.cuda_runtime.__path__)[0], "lib", "libcudart.so.12")
            )
        except ImportError:
            pass
        errors = []
        for candidate in candidates:
            try:
                self._lib = ctypes.CDLL(candidate)
                break
            except OSError as e:
                errors.append(str(e))
        else:
            raise SystemExit("--device=gpu: cannot load the CUDA runtime: %s" % "; ".join(errors))

    def synchronize(self):
        status = self._lib.cudaDeviceSynchronize()
        if status != 0:
            raise SystemExit("cudaDeviceSynchronize failed with CUDA error %d" % status)

    def used_mib(self):
        free, total = self._ctypes.c_size_t(), self._ctypes.c_size_t()
        if self._lib.cudaMemGetInfo(self._ctypes.byref(free), self._ctypes.byref(total)) != 0:
            return float("nan")
        return (total.value - free.value) / MIB


def import_plugin(side):
    """dali_tf for the "dataset" side, NVIDIA's nvidia.dali.plugin.tf for the "plugin" side."""
    if side == "dataset":
        import dali_tf  # pylint: disable=import-outside-toplevel

        return dali_tf
    try:
        import nvidia.dali.plugin.tf as plugin  # pylint: disable=import-outside-toplevel
    except ImportError as e:
        raise SystemExit(
            "--plugin_python=%s: cannot import nvidia.dali.plugin.tf (NVIDIA's DALI "
            "TensorFlow plugin): %s" % (sys.executable, e)
        ) from None
    return plugin


class RawSide:
    """pipeline.run(); view: np.asarray(out.as_tensor()), copy: out.as_array()."""

    def __init__(self, workload, data_dir):
        if workload == "jpeg":
            self._pipe = jpeg_pipeline(data_dir)
        elif workload == "big":
            self._pipe = big_pipeline()
        else:
            encoded = read_encoded(data_dir)
            # Cycles through the files for ever: the input never runs out during a round.
            self._pipe = inputs_pipeline(lambda info: encoded[info.idx_in_epoch % len(encoded)])
        self._pipe.build()
        self.cuda = Cuda() if on_gpu() else None

    def next_outputs(self):
        outputs = self._pipe.run()
        if FLAGS.raw_consumer_work_us:
            busy_until = time.thread_time() + FLAGS.raw_consumer_work_us * 1e-6
            while time.thread_time() < busy_until:
                pass
        return outputs

    @staticmethod
    def view(out):
        return np.asarray(out.as_tensor())

    @staticmethod
    def copy(out):
        return out.as_array()

    def sync(self, out):
        del out
        self.cuda.synchronize()

    @staticmethod
    def host(out):
        return out.as_cpu().as_array()

    def check(self, outputs):
        out = outputs[0]
        if on_gpu():
            array = self.host(out)
            return (
                not hasattr(out, "as_array"),  # a TensorListGPU
                isinstance(array, np.ndarray),
                "%s %s" % (array.shape, array.dtype),
            )
        view = self.view(out)
        return (
            view.ctypes.data == out.data_ptr(),
            not np.shares_memory(self.copy(out), view),
            "%s %s" % (view.shape, view.dtype),
        )

    def close(self):
        del self._pipe


class DatasetSide:
    """A DALIDataset's iterator; view: np.asarray(tensor), copy: tensor.numpy()."""

    def __init__(self, workload, data_dir, side):
        import tensorflow as tf

        plugin = import_plugin(side)
        # The same arguments for both plugins; all of them also set on the pipeline itself.
        settings = dict(
            batch_size=WORKLOADS[workload],
            num_threads=FLAGS.num_threads,
            device_id=device_id(),
            prefetch_queue_depth=FLAGS.prefetch_queue_depth,
        )
        self.cuda = Cuda() if on_gpu() else None
        with tf.device("/gpu:0" if on_gpu() else "/cpu:0"):
            if workload == "inputs":
                dataset = plugin.experimental.DALIDatasetWithInputs(
                    inputs_pipeline(),
                    output_dtypes=tf.uint8,
                    input_datasets={"encoded": encoded_dataset(read_encoded(data_dir))},
                    **settings,
                )
            else:
                pipe = jpeg_pipeline(data_dir) if workload == "jpeg" else big_pipeline()
                dataset = plugin.DALIDataset(pipe, output_dtypes=tf.float32, **settings)
            if not on_gpu():  # a GPU-placed dataset must be the last one
                dataset = dataset.with_options(plugin.dataset_options())
            self._iterator = iter(dataset)

    def next_outputs(self):
        # A single output_dtypes gives 1-tuples (images,), as in NVIDIA's plugin.
        return next(self._iterator)

    @staticmethod
    def view(tensor):
        return np.asarray(tensor)

    @staticmethod
    def copy(tensor):
        return tensor.numpy()

    def sync(self, tensor):
        del tensor
        self.cuda.synchronize()

    @staticmethod
    def host(tensor):
        return tensor.numpy()

    def check(self, outputs):
        if not isinstance(outputs, tuple) or len(outputs) != 1:
            raise SystemExit(
                "expected dataset elements to be 1-tuples (images,), got %r" % (type(outputs),)
            )
        (tensor,) = outputs
        if on_gpu():
            array = self.host(tensor)
            return (
                tensor.device.endswith("GPU:0"),
                isinstance(array, np.ndarray),
                "%s %s" % (array.shape, array.dtype),
            )
        view = self.view(tensor)
        return (
            np.shares_memory(view, self.view(tensor)),
            not np.shares_memory(self.copy(tensor), view),
            "%s %s" % (view.shape, view.dtype),
        )

    def close(self):
        del self._iterator


def timed_loop(side, convert, batches, rss):
    """Times `batches` batches: wall seconds, and meanwhile the process's page faults and CPU
    seconds, and the CPU seconds of this (the consuming) thread alone."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    thread_start = time.thread_time()
    start = time.perf_counter()
    for _ in range(batches):
        arrays = [convert(out) for out in side.next_outputs()]
        rss.sample()
    elapsed = time.perf_counter() - start
    thread_cpu = time.thread_time() - thread_start
    after = resource.getrusage(resource.RUSAGE_SELF)
    del arrays
    return {
        "seconds": elapsed,
        "faults": after.ru_minflt - usage.ru_minflt + after.ru_majflt - usage.ru_majflt,
        "cpu": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
        "consumer_cpu": thread_cpu,
    }


def timed_batches(side):
    """--iterations, or more where that many batches take less than --min_seconds (measured on
    the warm-up): short loops are at the mercy of the scheduler's and the machine's noise."""
    start = time.perf_counter()
    for _ in range(FLAGS.warmup):
        side.next_outputs()
    per_batch = (time.perf_counter() - start) / max(FLAGS.warmup, 1)
    if FLAGS.warmup == 0 or per_batch <= 0:
        return FLAGS.iterations
    return max(FLAGS.iterations, int(FLAGS.min_seconds / per_batch) + 1)


def run_child(name):
    workload = FLAGS.workload[0]
    batch_size = WORKLOADS[workload]
    # The imports first, so that the RSS after them tells the libraries from the pipeline. Raw
    # DALI runs with TensorFlow imported too: a TensorFlow program has it loaded either way, and
    # the RSS columns then compare what each side adds, not TensorFlow's own footprint.
    import nvidia.dali  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
    import tensorflow  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel

    if name != "raw":
        import_plugin(name)
    rss_imports = status_mib("VmRSS")
    if name == "raw":
        side = RawSide(workload, FLAGS.data_dir)
    else:
        side = DatasetSide(workload, FLAGS.data_dir, name)
    batches = timed_batches(side)
    view_is_view, copy_is_copy, batch = side.check(side.next_outputs())
    rss = RssSampler()
    modes = list(MODES[FLAGS.device])
    if FLAGS._copy_first:  # pylint: disable=protected-access
        modes.reverse()
    rates, per_batch = {}, {}
    for mode in modes:
        t = timed_loop(side, getattr(side, mode), batches, rss)
        rates[mode] = batches * batch_size / t["seconds"]
        per_batch[mode] = {
            "faults": t["faults"] / batches,
            "cpu_ms": 1000 * t["cpu"] / batches,
            "consumer_cpu_ms": 1000 * t["consumer_cpu"] / batches,
        }
    result = {
        "side": name,
        "workload": workload,
        "rates": rates,
        "batches": batches,
        "per_batch": per_batch,
        "rss_steady_mib": rss.mean_mib(),
        "rss_peak_mib": status_mib("VmHWM"),
        "rss_imports_mib": rss_imports,
        "view_is_view": bool(view_is_view),
        "copy_is_copy": bool(copy_is_copy),
        "batch": batch,
        "gpu_used_mib": side.cuda.used_mib() if on_gpu() else None,
    }
    rss.close()
    side.close()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------------------------
# The parent: starts the children, aggregates, prints the table.


def from_working_directory(path):
    """Paths given to `bazel run` are relative to where it was run, not to the runfiles."""
    if path is None:
        return None
    return os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", ""), os.path.expanduser(path))


def check_plugin_python(python):
    try:
        probe = subprocess.run(
            [python, "-c", "import nvidia.dali.plugin.tf, absl"],
            capture_output=True,
            text=True,
            timeout=FLAGS.child_timeout,
            check=False,
        )
    except OSError as e:
        sys.exit("--plugin_python=%s cannot be run: %s" % (python, e))
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["exit status %d" % probe.returncode])[-1]
        sys.exit(
            "--plugin_python=%s cannot import NVIDIA's plugin (nvidia.dali.plugin.tf) and "
            "absl: %s" % (python, last)
        )


def spawn_child(side, workload, data_dir, copy_first, plugin_python):
    python = plugin_python if side == "plugin" else sys.executable
    command = [
        python,
        os.path.abspath(__file__),
        "--_child=" + side,
        "--workload=" + workload,
        "--data_dir=" + data_dir,
        "--iterations=%d" % FLAGS.iterations,
        "--warmup=%d" % FLAGS.warmup,
        "--min_seconds=%g" % FLAGS.min_seconds,
        "--raw_consumer_work_us=%d" % FLAGS.raw_consumer_work_us,
        "--num_threads=%d" % FLAGS.num_threads,
        "--prefetch_queue_depth=%d" % FLAGS.prefetch_queue_depth,
        "--device=" + FLAGS.device,
        "--_copy_first" if copy_first else "--no_copy_first",
    ]
    try:
        child = subprocess.run(
            command, capture_output=True, text=True, timeout=FLAGS.child_timeout, check=False
        )
    except subprocess.TimeoutExpired:
        sys.exit(
            "%s child for %s ran past --child_timeout=%ds" % (side, workload, FLAGS.child_timeout)
        )
    results = [
        line[len(RESULT_PREFIX) :]
        for line in child.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if child.returncode != 0 or len(results) != 1:
        tail = "\n".join((child.stdout + child.stderr).strip().splitlines()[-30:])
        sys.exit(
            "%s child for %s failed (exit status %d%s):\n%s\ncommand: %s"
            % (
                side,
                workload,
                child.returncode,
                "" if results else ", no result line",
                tail,
                " ".join(command),
            )
        )
    return json.loads(results[0])


def check_warnings(r):
    """What a child's check of its first batch found wrong, or ''."""
    if r["view_is_view"] and r["copy_is_copy"]:
        return ""
    if FLAGS.device == "gpu":
        return "  WARNING: batch on the GPU %s, host copy is a host array %s" % (
            r["view_is_view"],
            r["copy_is_copy"],
        )
    return "  WARNING: view shares buffer %s, copy is a copy %s" % (
        r["view_is_view"],
        r["copy_is_copy"],
    )


def measure(workload, sides, data_dir, plugin_python):
    first, second = MODES[FLAGS.device]
    per_round = []
    for round_index in range(FLAGS.rounds):
        # Alternate which side goes first, and which mode first inside the children, so neither
        # always runs on a cooler (or hotter) machine.
        order = sides if round_index % 2 == 0 else sides[::-1]
        copy_first = round_index % 2 == 1
        results = {}
        for side in order:
            r = spawn_child(side, workload, data_dir, copy_first, plugin_python)
            results[side] = r
            gpu = "" if r["gpu_used_mib"] is None else "  GPU used %6.0f MiB" % r["gpu_used_mib"]
            log(
                "  %s round %d/%d %-7s %d batches  %s %9.1f  %s %9.1f samples/s  per %s "
                "batch: %5.0f faults, CPU %6.3f ms (consumer thread %6.3f)  RSS imports %5.0f "
                "steady %6.0f peak %6.0f MiB%s  batch %s%s"
                % (
                    workload,
                    round_index + 1,
                    FLAGS.rounds,
                    SIDE_LABELS[side],
                    r["batches"],
                    first,
                    r["rates"][first],
                    second,
                    r["rates"][second],
                    first,
                    r["per_batch"][first]["faults"],
                    r["per_batch"][first]["cpu_ms"],
                    r["per_batch"][first]["consumer_cpu_ms"],
                    r["rss_imports_mib"],
                    r["rss_steady_mib"],
                    r["rss_peak_mib"],
                    gpu,
                    r["batch"],
                    check_warnings(r),
                )
            )
        per_round.append(results)
    return per_round


SIDE_LABELS = {"raw": "raw", "dataset": "dali_tf", "plugin": "plugin"}


def summarize(workload, sides, per_round):
    first, second = MODES[FLAGS.device]

    def med(side, key):
        return statistics.median(r[side][key] for r in per_round)

    def rate(side, mode):
        return statistics.median(r[side]["rates"][mode] for r in per_round)

    def ratio(side, mode):
        ratios = [r[side]["rates"][mode] / r["raw"]["rates"][mode] for r in per_round]
        return "%.2fx [%.2f-%.2f]" % (statistics.median(ratios), min(ratios), max(ratios))

    row = [workload]
    row += ["%.0f / %.0f" % (rate(s, first), rate(s, second)) for s in sides]
    for s in sides[1:]:
        row += [ratio(s, first), ratio(s, second)]

    def per_batch(key, fmt):
        return " / ".join(
            fmt % statistics.median(r[s]["per_batch"][first][key] for r in per_round) for s in sides
        )

    row.append(per_batch("faults", "%.0f"))
    row.append(per_batch("cpu_ms", "%.2f"))
    row.append(per_batch("consumer_cpu_ms", "%.3f"))
    row.append(" / ".join("%.0f" % med(s, "rss_steady_mib") for s in sides))
    row.append(" / ".join("%.0f" % med(s, "rss_peak_mib") for s in sides))
    if FLAGS.device == "gpu":
        row.append(" / ".join("%.0f" % med(s, "gpu_used_mib") for s in sides))
    suspect = [SIDE_LABELS[s] for s in sides for r in per_round if check_warnings(r[s])]
    return row, sorted(set(suspect))


def print_table(sides, rows):
    first, second = MODES[FLAGS.device]
    labels = [SIDE_LABELS[s] for s in sides]
    header = ["workload"] + ["%s samples/s %s / %s" % (l, first, second) for l in labels]
    for l in labels[1:]:
        header += [
            "%s/raw %s (median [min-max])" % (l, first),
            "%s/raw %s (median [min-max])" % (l, second),
        ]
    header += [
        "%s faults/batch %s" % (first, " / ".join(labels)),
        "%s CPU ms/batch %s" % (first, " / ".join(labels)),
        "%s consumer-thread CPU ms/batch %s" % (first, " / ".join(labels)),
        "RSS steady MiB %s" % " / ".join(labels),
        "RSS peak MiB %s" % " / ".join(labels),
    ]
    if FLAGS.device == "gpu":
        header.append("GPU used MiB %s" % " / ".join(labels))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    log(line(header))
    log("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        log(line(row))


def check_gpu():
    """--device=gpu refuses to run, saying why, where TensorFlow sees no GPU."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))",
        ],
        capture_output=True,
        text=True,
        timeout=FLAGS.child_timeout,
        check=False,
    )
    lines = probe.stdout.strip().splitlines()
    if probe.returncode != 0 or not lines or lines[-1] == "0":
        sys.exit(
            "--device=gpu: TensorFlow sees no GPU on this machine, so there is nothing to measure "
            "(on a GPU machine: `DALI_TF_GPU=1 ./configure`, or the offline kit of tools/gpu). %s"
            % (probe.stderr.strip().splitlines() or [""])[-1]
        )


def run_parent():
    unknown = set(FLAGS.workload) - set(WORKLOADS)
    if unknown:
        sys.exit("Unknown workload(s) %s; choose from %s" % (sorted(unknown), sorted(WORKLOADS)))
    if FLAGS.rounds < 1 or FLAGS.iterations < 1 or FLAGS.warmup < 0:
        sys.exit("--rounds and --iterations must be >= 1, --warmup >= 0")
    if FLAGS.min_seconds < 0 or FLAGS.raw_consumer_work_us < 0:
        sys.exit("--min_seconds and --raw_consumer_work_us must be >= 0")
    if FLAGS.device == "gpu":
        not_on_gpu = sorted(set(FLAGS.workload) - set(GPU_WORKLOADS))
        if not_on_gpu:
            sys.exit(
                "--device=gpu runs the workloads %s, not %s"
                % (", ".join(GPU_WORKLOADS), ", ".join(not_on_gpu))
            )
        check_gpu()
    plugin_python = from_working_directory(FLAGS.plugin_python)
    sides = ["raw", "dataset"]
    if plugin_python:
        check_plugin_python(plugin_python)
        sides.append("plugin")
    log(
        "%s: %d rounds x at least %d timed batches and %gs per side and mode (%s), %d warm-up "
        "batches, one fresh process per side and round"
        % (
            FLAGS.device.upper(),
            FLAGS.rounds,
            FLAGS.iterations,
            FLAGS.min_seconds,
            ", ".join(MODES[FLAGS.device]),
            FLAGS.warmup,
        )
    )
    rows, suspects = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = from_working_directory(FLAGS.data_dir) or os.path.join(tmp, "jpegs")
        if {"jpeg", "inputs"} & set(FLAGS.workload) and not os.path.isdir(
            os.path.join(data_dir, "images")
        ):
            log("writing %d JPEGs to %s" % (FLAGS.jpeg_files, data_dir))
            write_jpegs(data_dir, FLAGS.jpeg_files)
        for workload in FLAGS.workload:
            log("%s:" % workload)
            per_round = measure(workload, sides, data_dir, plugin_python)
            row, suspect = summarize(workload, sides, per_round)
            rows.append(row)
            if suspect:
                suspects[workload] = suspect
    log("")
    print_table(sides, rows)
    for workload, suspect in suspects.items():
        what = (
            "a batch was not on the GPU, or its host copy not a host array"
            if FLAGS.device == "gpu"
            else "a 'view' array did not share the producer's buffer, or a 'copy' did"
        )
        log("WARNING %s: %s, on %s" % (workload, what, ", ".join(suspect)))


def main(argv):
    del argv
    if FLAGS._child:  # pylint: disable=protected-access
        run_child(FLAGS._child)  # pylint: disable=protected-access
    else:
        run_parent()


if __name__ == "__main__":
    app.run(main)
