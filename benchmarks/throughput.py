"""Throughput of DALIDataset against the same DALI pipeline run raw (pipeline.run() + NumPy).

    bazel run //benchmarks:throughput -- --workload=jpeg,big,inputs --iterations=100 --rounds=5

For each workload the raw loop and the DALIDataset loop run in alternating rounds in one process
(same machine load for both); the report gives the median samples/s of each and their ratio.
Workloads (DESIGN.md section 4), CPU only:
  jpeg  readers.file -> decoders.image -> resize(224, 224) -> crop_mirror_normalize (float HWC),
        batch 32, over JPEGs this benchmark writes itself;
  big   64 x 224x224x3 float32 per batch with trivial compute: measures the hand-off itself;
  inputs  encoded JPEGs fed per sample -> decoders.image -> resize(300, 500), batch 32: raw DALI
        takes them from a Python source=, DALIDatasetWithInputs from a tf.data dataset.
"""

import os
import statistics
import sys
import tempfile
import time

from absl import app
from absl import flags
import numpy as np

FLAGS = flags.FLAGS
flags.DEFINE_list("workload", ["jpeg", "big", "inputs"], "Workloads to run: jpeg, big, inputs.")
flags.DEFINE_integer("iterations", 50, "Batches per round and loop.")
flags.DEFINE_integer("rounds", 5, "Alternating raw/DALIDataset rounds (the median is reported).")
flags.DEFINE_integer("warmup", 5, "Batches each loop runs before the first timed round.")
flags.DEFINE_integer("num_threads", 2, "DALI worker threads.")
flags.DEFINE_integer("prefetch_queue_depth", 2, "DALI prefetch queue depth.")
flags.DEFINE_integer("jpeg_files", 64, "JPEGs written for the jpeg workload.")
flags.DEFINE_string("data_dir", None, "Where to write the JPEGs (a temporary directory if unset).")
flags.DEFINE_bool("copy_dataset_outputs", False,
                  "Turn DALIDataset tensors into NumPy with a copy (.numpy(), as raw's as_array() "
                  "copies) instead of a view (np.asarray).")


def log(message):
    print(message, flush=True)


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


def jpeg_pipeline(file_root):
    from nvidia.dali import fn, pipeline_def, types

    @pipeline_def(batch_size=32, num_threads=FLAGS.num_threads, device_id=None, seed=1,
                  prefetch_queue_depth=FLAGS.prefetch_queue_depth)
    def pipe():
        jpegs, _ = fn.readers.file(file_root=file_root, random_shuffle=True, name="Reader")
        images = fn.decoders.image(jpegs)
        images = fn.resize(images, size=(224, 224))
        return fn.crop_mirror_normalize(images, dtype=types.FLOAT, output_layout="HWC",
                                        mean=[123.7, 116.3, 103.5], std=[58.4, 57.1, 57.4])
    return pipe()


def big_pipeline():
    from nvidia.dali import fn, pipeline_def, types

    @pipeline_def(batch_size=64, num_threads=FLAGS.num_threads, device_id=None, seed=1,
                  prefetch_queue_depth=FLAGS.prefetch_queue_depth)
    def pipe():
        # One random value per sample, broadcast: a fill is as little compute as a batch gets.
        return fn.full(fn.random.uniform(range=[0.0, 1.0], dtype=types.FLOAT),
                       shape=[224, 224, 3])
    return pipe()


def inputs_pipeline(source=None):
    """Decodes encoded JPEGs given per sample: from `source` (raw) or from TensorFlow."""
    from nvidia.dali import fn, pipeline_def

    @pipeline_def(batch_size=32, num_threads=FLAGS.num_threads, device_id=None, seed=1,
                  prefetch_queue_depth=FLAGS.prefetch_queue_depth)
    def pipe():
        encoded = fn.external_source(name="encoded", source=source, batch=False)
        return fn.resize(fn.decoders.image(encoded), size=(300, 500))
    return pipe()


def read_encoded(root):
    names = sorted(os.listdir(os.path.join(root, "images")))
    return [np.fromfile(os.path.join(root, "images", n), dtype=np.uint8) for n in names]


def encoded_dataset(encoded):
    """The same encoded JPEGs as an endless per-sample tf.data dataset (in memory)."""
    import tensorflow as tf
    flat = tf.constant(np.concatenate(encoded))
    ends = np.cumsum([len(e) for e in encoded])
    bounds = tf.constant(np.stack([ends - [len(e) for e in encoded], ends], axis=1))
    return tf.data.Dataset.from_tensor_slices(bounds).map(
        lambda b: flat[b[0]:b[1]]).repeat()


class RawLoop:
    name = "raw"

    def __init__(self, make_pipeline):
        self._pipe = make_pipeline()
        self._pipe.build()

    def run(self, batches):
        for _ in range(batches):
            arrays = [out.as_array() for out in self._pipe.run()]
        return arrays


class DatasetLoop:
    name = "DALIDataset"

    def __init__(self, make_dataset):
        import dali_tf
        self._iterator = iter(make_dataset().with_options(dali_tf.dataset_options()))

    def run(self, batches):
        to_numpy = (lambda t: t.numpy()) if FLAGS.copy_dataset_outputs else np.asarray
        for _ in range(batches):
            array = to_numpy(next(self._iterator))
        return [array]


def measure(workload, make_pipeline, make_dataset, batch_size):
    loops = [RawLoop(make_pipeline), DatasetLoop(make_dataset)]
    for loop in loops:
        check = loop.run(FLAGS.warmup)
        log("  %-11s warm: batch %s %s" % (loop.name, check[0].shape, check[0].dtype))
    rates = {loop.name: [] for loop in loops}
    for round_index in range(FLAGS.rounds):
        # Alternate which loop goes first so neither always runs on a cooler machine.
        for loop in loops if round_index % 2 == 0 else loops[::-1]:
            start = time.perf_counter()
            loop.run(FLAGS.iterations)
            rate = FLAGS.iterations * batch_size / (time.perf_counter() - start)
            rates[loop.name].append(rate)
            log("  %s round %d/%d %-11s %9.1f samples/s" % (workload, round_index + 1,
                                                            FLAGS.rounds, loop.name, rate))
    raw = statistics.median(rates["raw"])
    dataset = statistics.median(rates["DALIDataset"])
    return raw, dataset


TARGETS = {"jpeg": 0.97, "big": 0.8, "inputs": 0.97}


def dali_dataset(make_pipeline, dtype):
    def make():
        import dali_tf
        return dali_tf.DALIDataset(make_pipeline(), output_dtypes=dtype)
    return make


def ensure_jpegs(tmp):
    root = FLAGS.data_dir or os.path.join(tmp, "jpegs")
    if not os.path.isdir(os.path.join(root, "images")):
        log("  writing %d JPEGs to %s" % (FLAGS.jpeg_files, root))
        write_jpegs(root, FLAGS.jpeg_files)
    return root


def main(argv):
    del argv
    unknown = set(FLAGS.workload) - set(TARGETS)
    if unknown:
        sys.exit("Unknown workload(s) %s; choose from %s" % (sorted(unknown), sorted(TARGETS)))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workload in FLAGS.workload:
            log("%s: setting up" % workload)
            import tensorflow as tf
            if workload == "jpeg":
                root = ensure_jpegs(tmp)
                make = lambda: jpeg_pipeline(root)  # noqa: E731
                raw, dataset = measure(workload, make, dali_dataset(make, tf.float32), 32)
            elif workload == "big":
                raw, dataset = measure(workload, big_pipeline,
                                       dali_dataset(big_pipeline, tf.float32), 64)
            else:
                encoded = read_encoded(ensure_jpegs(tmp))

                def with_inputs():
                    import dali_tf
                    return dali_tf.experimental.DALIDatasetWithInputs(
                        inputs_pipeline(), output_dtypes=tf.uint8,
                        input_datasets={"encoded": encoded_dataset(encoded)})

                raw, dataset = measure(
                    workload,
                    lambda: inputs_pipeline(lambda info: encoded[info.idx_in_epoch % len(encoded)]),
                    with_inputs, 32)
            results.append((workload, raw, dataset))

    log("")
    log("%-6s %14s %14s %7s %8s" % ("", "raw samples/s", "DALIDataset", "ratio", "target"))
    for workload, raw, dataset in results:
        ratio = dataset / raw
        log("%-6s %14.1f %14.1f %6.2fx %7.2fx %s" % (
            workload, raw, dataset, ratio, TARGETS[workload],
            "ok" if ratio >= TARGETS[workload] else "BELOW TARGET"))


if __name__ == "__main__":
    app.run(main)
