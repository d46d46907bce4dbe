"""dali_tf.distributed_dataset under MultiWorkerMirroredStrategy: two worker processes on
127.0.0.1 (CPU only), each with its own shard of the data, training one Keras model together."""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.common.fault_utils import child_env, free_ports, tail
from tests.distribute.pipelines import write_sample_files

WORKERS = 2
NUM_FILES = 24
BATCH = 3  # per replica (one replica per worker)
FIT_STEPS = 3
TIMEOUT_S = 150  # for both workers together: start-up, one epoch, the training steps
WORKER_MAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "multi_worker_main.py")
RESULT_PREFIX = "RESULT "


def run_workers(tmp_path, files_dir):
    """Starts the workers, waits for all of them (killing every one on a failure or when
    TIMEOUT_S has passed) and returns their RESULT dicts, in task order."""
    cluster = {"worker": ["127.0.0.1:%d" % port for port in free_ports(WORKERS)]}
    procs, logs = [], []
    try:
        for index in range(WORKERS):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
            env = dict(
                child_env(),
                TF_CONFIG=json.dumps(tf_config),
                CUDA_VISIBLE_DEVICES="",  # CPU workers, also on a machine with GPUs
                TF_CPP_MIN_LOG_LEVEL="2",
            )
            out, err = tmp_path / ("worker%d.out" % index), tmp_path / ("worker%d.err" % index)
            logs.append((out, err))
            with open(out, "w") as stdout, open(err, "w") as stderr:
                args = [WORKER_MAIN, files_dir, str(NUM_FILES), str(BATCH), str(FIT_STEPS)]
                procs.append(
                    subprocess.Popen([sys.executable] + args, env=env, stdout=stdout, stderr=stderr)
                )
        deadline = time.monotonic() + TIMEOUT_S
        while any(p.poll() is None for p in procs):
            for index, p in enumerate(procs):
                if p.poll() not in (None, 0):
                    pytest.fail(
                        "worker %d exited with %d:\n%s"
                        % (index, p.returncode, tail(logs[index][1]))
                    )
            if time.monotonic() > deadline:
                pytest.fail(
                    "the workers did not finish in %d s; their stderr:\n%s"
                    % (TIMEOUT_S, "\n".join(tail(err, 1500) for _, err in logs))
                )
            time.sleep(0.2)
        for index, p in enumerate(procs):
            assert p.returncode == 0, "worker %d exited with %d:\n%s" % (
                index,
                p.returncode,
                tail(logs[index][1]),
            )
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    results = []
    for out, err in logs:
        lines = [line for line in open(out) if line.startswith(RESULT_PREFIX)]
        assert len(lines) == 1, "no RESULT line; stdout:\n%s\nstderr:\n%s" % (tail(out), tail(err))
        results.append(json.loads(lines[0][len(RESULT_PREFIX) :]))
    return results


def test_two_workers_read_disjoint_shards_and_train_together(tmp_path):
    files_dir = str(tmp_path / "samples")
    write_sample_files(files_dir, NUM_FILES)
    results = run_workers(tmp_path, files_dir)

    per_worker = NUM_FILES // WORKERS
    for index, result in enumerate(results):
        assert result["task"] == index and result["replicas"] == WORKERS
        # Shard = the worker's index, of as many shards as workers; CPU: device_id None. The
        # second call is the dataset model.fit trained on.
        assert result["calls"] == [[index, WORKERS, None]] * 2
        ids = result["ids"]
        assert len(ids) == per_worker and len(set(ids)) == per_worker, ids
        # The reader's shard `index`: its contiguous part of the files.
        assert set(ids) == set(range(index * per_worker, (index + 1) * per_worker))
        assert [d.rsplit("/", 2)[-2:] for d in result["devices"]] == [
            ["task:%d" % index, "device:CPU:0"]
        ]
        assert len(result["loss"]) == FIT_STEPS
        assert all(v == v and abs(v) < 1e6 for v in result["loss"])
        assert all(v == v and abs(v) < 1e6 for w in result["weights"] for v in w)
    # Disjoint, and together the whole data set once.
    seen = [set(r["ids"]) for r in results]
    assert not seen[0] & seen[1]
    assert seen[0] | seen[1] == set(range(NUM_FILES))
    # One model trained in sync: the same (all-reduced) losses, and the same weights at the end.
    assert results[0]["loss"] == pytest.approx(results[1]["loss"])
    for a, b in zip(results[0]["weights"], results[1]["weights"]):
        assert a == pytest.approx(b)


def test_worker_barrier_needs_a_multi_worker_strategy():
    import dali_tf

    with pytest.raises(RuntimeError, match="needs TensorFlow's coordination service"):
        dali_tf.worker_barrier()


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
