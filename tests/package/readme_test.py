"""The Python examples of the README and of docs/distribution.md run as written, in that order
(on a small JPEG folder instead of /data, a local tf.data service for the dispatcher's address)."""

import os
import re

import pytest

from tests.common.test_utils import jpeg_dir_fixture

jpeg_root = jpeg_dir_fixture(4)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
# The pages whose examples run, in order: each later page uses the names the earlier ones define.
PAGES = (README, os.path.join(ROOT, "docs", "distribution.md"))
PRELUDE = (
    "import tensorflow as tf\nimport dali_tf\nfrom nvidia.dali import pipeline_def, fn, types\n"
)


def examples(page=None):
    """[(page, code)] of every ```python block of `page` (default: every page, in order)."""
    blocks = []
    for path in PAGES if page is None else (page,):
        with open(path) as f:
            blocks += [(path, code) for code in re.findall(r"```python\n(.*?)```", f.read(), re.S)]
    return blocks


@pytest.fixture(scope="module")
def service():
    """A tf.data service in this process for docs/distribution.md's "grpc://dispatcher-host:5050"."""
    import dali_tf.service

    dispatcher = dali_tf.service.dispatch_server()
    worker = dali_tf.service.worker_server(dispatcher.target)
    yield dispatcher.target
    worker.stop()
    dispatcher.stop()


def run_examples(jpeg_root, service):
    namespace = {}
    exec(PRELUDE, namespace)  # the imports the README states in prose
    for path, code in examples():
        code = code.replace("/data/train", jpeg_root)
        code = code.replace("/data/*.jpg", os.path.join(jpeg_root, "*", "*.jpg"))
        code = code.replace("grpc://dispatcher-host:5050", service)
        exec(compile(code, path, "exec"), namespace)
    return namespace


def test_the_readme_has_an_example_per_api():
    text = "".join(code for _, code in examples(README))
    for api in (
        "dali_tf.DALIDataset(",
        "dali_tf.experimental.DALIDatasetWithInputs(",
        "dali_tf.dali(",
    ):
        assert api in text
    text = "".join(code for _, code in examples(PAGES[1]))
    for api in ("dali_tf.distributed_dataset(", "dali_tf.service.distributed_dataset("):
        assert api in text


def test_the_api_reference_names_every_public_name():
    import dali_tf

    with open(os.path.join(ROOT, "docs", "api.md")) as f:
        text = f.read()
    modules = {"": dali_tf, "experimental.": dali_tf.experimental, "service.": dali_tf.service}
    missing = [
        prefix + name
        for prefix, module in modules.items()
        for name in module.__all__
        if name not in ("experimental", "service") and not re.search(r"\b%s\b" % name, text)
    ]
    assert not missing, "docs/api.md does not describe %s" % ", ".join(missing)


def test_the_readme_examples_run(jpeg_root, service):
    namespace = run_examples(jpeg_root, service)
    # The last batches each example produced.
    assert namespace["image_batch"].shape == (32, 224, 224, 3)
    assert namespace["label_batch"].shape == (32, 1)
    shapes = [tuple(images.shape) for (images,) in namespace["dataset"]]
    assert shapes == [(2, 300, 500, 3)] * 2  # 4 JPEGs, batch 2, then the input ends
    # The tf.data service example: 4 parts of one JPEG each, so batches of one.
    assert namespace["pixels"].shape == (1, 224, 224, 3)


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
