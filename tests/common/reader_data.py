"""Small data sets in the formats of DALI's readers, written by the tests themselves (DALI_extra is
not available): COCO (images + instances.json), TFRecord (tf.train.Example + DALI's index) and
MXNet RecordIO (.rec + .idx). NVIDIA's TensorFlow examples read these formats.
"""

import json
import os
import struct

import numpy as np


def _jpeg(rng, height, width):
    import tensorflow as tf

    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    return tf.io.encode_jpeg(pixels, quality=95).numpy()


def make_coco(root, count=6, seed=0):
    """root/images/*.jpg and root/instances.json, image i with i % 3 + 1 boxes.

    Returns (file_root, annotations_file). Boxes are [x, y, w, h] in pixels (COCO's layout),
    categories 1..3.
    """
    rng = np.random.default_rng(seed)
    image_dir = os.path.join(root, "images")
    os.makedirs(image_dir, exist_ok=True)
    images, annotations = [], []
    for i in range(count):
        height, width = 40 + 4 * (i % 3), 56 + 8 * (i % 2)
        name = "img_%03d.jpg" % i
        with open(os.path.join(image_dir, name), "wb") as f:
            f.write(_jpeg(rng, height, width))
        images.append({"id": i + 1, "file_name": name, "height": height, "width": width})
        for k in range(i % 3 + 1):
            x, y = float(2 + 3 * k), float(1 + 2 * k)
            w, h = float(10 + k), float(8 + 2 * k)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "category_id": k + 1,
                    "iscrowd": 0,
                }
            )
    categories = [{"id": c, "name": "class_%d" % c} for c in (1, 2, 3)]
    annotations_file = os.path.join(root, "instances.json")
    with open(annotations_file, "w") as f:
        json.dump({"images": images, "annotations": annotations, "categories": categories}, f)
    return image_dir, annotations_file


def make_tfrecord(root, count=8, seed=0):
    """An ImageNet-style TFRecord (as NVIDIA's resnet-n example reads it) and its DALI index:
    image/encoded (JPEG), image/class/label (int64, 1 + i % 5), image/class/text and bbox
    VarLenFeatures. Returns (tfrecord path, index path)."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    path, index_path = os.path.join(root, "train"), os.path.join(root, "train.idx")

    def floats(values):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))

    offsets = []
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(count):
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        "image/encoded": tf.train.Feature(
                            bytes_list=tf.train.BytesList(value=[_jpeg(rng, 36 + 2 * i, 48)])
                        ),
                        "image/class/label": tf.train.Feature(
                            int64_list=tf.train.Int64List(value=[1 + i % 5])
                        ),
                        "image/class/text": tf.train.Feature(
                            bytes_list=tf.train.BytesList(value=[b"class %d" % (i % 5)])
                        ),
                        "image/object/bbox/xmin": floats([0.1] * (i % 2 + 1)),
                        "image/object/bbox/ymin": floats([0.2] * (i % 2 + 1)),
                        "image/object/bbox/xmax": floats([0.7] * (i % 2 + 1)),
                        "image/object/bbox/ymax": floats([0.8] * (i % 2 + 1)),
                    }
                )
            )
            record = example.SerializeToString()
            offsets.append(len(record))
            writer.write(record)
    # DALI's index (what its tfrecord2idx writes): "offset size" of each record in the file,
    # a record being length (8) + length CRC (4) + data + data CRC (4).
    with open(index_path, "w") as f:
        offset = 0
        for length in offsets:
            size = length + 16
            f.write("%d %d\n" % (offset, size))
            offset += size
    return path, index_path


_RECORDIO_MAGIC = 0xCED7230A


def make_recordio(root, count=8, seed=0):
    """An MXNet RecordIO file of JPEGs (labels 0.0, 1.0, 2.0, ...: floats, as MXNet stores them)
    and its index. Returns (rec path, idx path)."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    rec_path, idx_path = os.path.join(root, "train.rec"), os.path.join(root, "train.idx")
    with open(rec_path, "wb") as rec, open(idx_path, "w") as idx:
        for i in range(count):
            # IRHeader: flag (0: one float label), label, id, id2; then the image.
            payload = struct.pack("<IfQQ", 0, float(i % 4), i, 0) + _jpeg(rng, 32 + 4 * i, 40)
            idx.write("%d\t%d\n" % (i, rec.tell()))
            rec.write(struct.pack("<II", _RECORDIO_MAGIC, len(payload)))
            rec.write(payload)
            rec.write(b"\0" * (-len(payload) % 4))
    return rec_path, idx_path
