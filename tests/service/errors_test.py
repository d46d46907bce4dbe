"""What cannot work through the tf.data service, as the trainer process sees it: a worker or a
dispatcher started without dali_tf's ops, and a DALIDataset whose pipeline calls back into
Python (fn.external_source(source=...)) distributed by hand."""

import pytest

from tests.distribute.pipelines import write_sample_files
from tests.service.cluster import Cluster, Trainer

TRAINER_TIMEOUT_S = 180


def trainer_error(cluster, tmp_path, mode, files_dir=None, *extra):
    args = [mode, "--service", cluster.target]
    if files_dir:
        args += ["--files_dir", files_dir, "--num_files", 8, "--batch", 2, "--num_parts", 2]
    args += list(extra)
    with Trainer(args, str(tmp_path / "trainer.log")) as trainer:
        results = trainer.results(TRAINER_TIMEOUT_S)
    errors = [r for r in results if r["kind"] == "error"]
    assert len(errors) == 1 and len(results) == 1, (results, cluster.logs())
    return errors[0]


@pytest.mark.parametrize("without_plugin", ["worker", "dispatcher"])
def test_a_server_without_the_plugin_fails_the_job_naming_the_op(tmp_path, without_plugin):
    """A worker runs the dataset: it needs the plugin. The dispatcher rebuilds the graph to split
    it, and needs the plugin where tf.data's graph optimizations run there (dataset_options(),
    which parts_dataset applies, turns them off: a plain dispatcher then serves; not relied on)."""
    files_dir = str(tmp_path / "samples")
    write_sample_files(files_dir, 8)
    with Cluster(str(tmp_path)) as cluster:
        dispatcher = cluster.start_dispatcher(plugin=without_plugin != "dispatcher")
        worker = cluster.start_worker("worker", plugin=without_plugin != "worker")
        cluster.wait_serving(dispatcher, worker)
        optimize = ["--optimize"] if without_plugin == "dispatcher" else []
        error = trainer_error(cluster, tmp_path, "stream", files_dir, *optimize)
    assert error["type"] == "NotFoundError"
    assert "Op type not registered 'DALIDataset'" in error["message"]
    if without_plugin == "worker":
        # The worker that lacks it, by its address.
        assert "Failed to get element from worker 127.0.0.1:%d" % worker[2] in error["message"]
    else:
        assert "Failed to get or create iteration" in error["message"]


def test_a_python_source_callback_on_a_worker_is_explained(tmp_path):
    with Cluster(str(tmp_path)) as cluster:
        cluster.wait_serving(cluster.start_dispatcher(), cluster.start_worker("worker"))
        error = trainer_error(cluster, tmp_path, "source")
    assert error["type"] == "FailedPreconditionError"
    message = error["message"]
    assert "Input 'from_python' comes from the Python source source=<lambda>" in message
    assert "rebuilt from its graph in another process (e.g. a tf.data service worker)" in message
    assert "Could not find callback" in message  # TensorFlow's own words follow


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
