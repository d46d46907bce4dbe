"""dali_tf.service with a dispatcher, two worker processes (``python -m dali_tf.service``) and a
trainer process on 127.0.0.1: every sample of an epoch exactly once, each part read by one
worker; Keras trains on it; a worker killed in the middle of an epoch loses the rest of the part
it was reading, repeats nothing, and holds the epoch's end until it is back."""

import collections

import pytest

from tests.distribute.pipelines import write_sample_files
from tests.service.cluster import Cluster, Trainer

TRAINER_TIMEOUT_S = 240  # start-up (TensorFlow, DALI, the plugin), the epochs, Keras
STALL_S = 10  # no batch for this long: the trainer waits for the killed worker


def shard_ranges(num_files, num_parts):
    """The samples of each part: DALI's shard i of n holds [i*N/n, (i+1)*N/n)."""
    return [
        list(range(i * num_files // num_parts, (i + 1) * num_files // num_parts))
        for i in range(num_parts)
    ]


def part_of(sample, num_files, num_parts):
    return next(i for i, ids in enumerate(shard_ranges(num_files, num_parts)) if sample in ids)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A dispatcher and two workers, serving; their pids and ports in cluster.workers. Shared by
    the tests (the last one kills a worker and restarts it)."""
    with Cluster(str(tmp_path_factory.mktemp("cluster"))) as cluster:
        dispatcher = cluster.start_dispatcher()
        names = ["worker0", "worker1"]
        started = [cluster.start_worker(name) for name in names]
        cluster.wait_serving(dispatcher, *started)
        cluster.workers = {proc.pid: (name, port) for (proc, _, port), name in zip(started, names)}
        cluster.worker_procs = [proc for proc, _, _ in started]
        yield cluster


def trainer_args(cluster, files_dir, num_files, batch, num_parts):
    return [
        "--service",
        cluster.target,
        "--files_dir",
        files_dir,
        "--num_files",
        num_files,
        "--batch",
        batch,
        "--num_parts",
        num_parts,
    ]


def test_every_sample_once_per_epoch_each_part_on_one_worker_and_keras_trains(cluster, tmp_path):
    num_files, batch, num_parts, epochs = 48, 2, 4, 2
    files_dir = str(tmp_path / "samples")
    write_sample_files(files_dir, num_files)
    args = ["epochs"] + trainer_args(cluster, files_dir, num_files, batch, num_parts)
    args += ["--epochs", epochs, "--fit_epochs", 2]
    with Trainer(args, str(tmp_path / "trainer.log")) as trainer:
        results = trainer.results(TRAINER_TIMEOUT_S)
    errors = [r for r in results if r["kind"] == "error"]
    assert not errors, (errors, cluster.logs())

    batches = [r for r in results if r["kind"] == "batch"]
    assert [r["epoch"] for r in results if r["kind"] == "epoch_end"] == list(range(epochs))
    pids = set()
    for epoch in range(epochs):
        epoch_batches = [b for b in batches if b["epoch"] == epoch]
        ids = [i for b in epoch_batches for i in b["ids"]]
        # Every sample exactly once.
        assert sorted(ids) == list(range(num_files)), (epoch, sorted(ids))
        # Each part read by one worker, whole, in the reader's order.
        for part, part_ids in enumerate(shard_ranges(num_files, num_parts)):
            from_part = [
                b for b in epoch_batches if part_of(b["ids"][0], num_files, num_parts) == part
            ]
            assert len({b["pid"] for b in from_part}) == 1, (epoch, part, from_part)
            assert [i for b in from_part for i in b["ids"]] == part_ids
            assert [len(b["ids"]) for b in from_part] == [batch] * (len(part_ids) // batch)
        # The workers' samples are disjoint.
        by_worker = collections.defaultdict(set)
        for b in epoch_batches:
            by_worker[b["pid"]].update(b["ids"])
        assert set(by_worker) <= set(cluster.workers), (by_worker.keys(), cluster.workers)
        assert sum(len(s) for s in by_worker.values()) == num_files
        pids |= set(by_worker)
    assert pids == set(cluster.workers), "both workers read parts: %s" % pids

    # Keras: each epoch is one pass over the data (a new job), to its end.
    (fit,) = [r for r in results if r["kind"] == "fit"]
    assert fit["steps"] == [num_files // batch] * 2
    assert all(v == v and abs(v) < 1e6 for v in fit["loss"]), fit


def test_a_killed_worker_loses_the_rest_of_its_part_repeats_nothing_and_is_waited_for(
    cluster, tmp_path
):
    num_files, batch, num_parts = 240, 2, 4  # 30 batches per part
    parts = shard_ranges(num_files, num_parts)
    files_dir = str(tmp_path / "samples")
    write_sample_files(files_dir, num_files)
    victim = cluster.worker_procs[0]
    victim_name, victim_port = cluster.workers[victim.pid]
    args = ["stream"] + trainer_args(cluster, files_dir, num_files, batch, num_parts)
    args += ["--delay", 0.05]
    batches = []
    with Trainer(args, str(tmp_path / "trainer.log")) as trainer:
        # Kill the victim as soon as it delivered a batch from early in a part.
        while victim.poll() is None:
            result = trainer.next_result(TRAINER_TIMEOUT_S)
            assert result is not None and result["kind"] == "batch", (result, trainer.stderr())
            batches.append(result)
            part = part_of(result["ids"][0], num_files, num_parts)
            if result["pid"] == victim.pid and result["ids"][-1] < parts[part][-1] - 12 * batch:
                victim.kill()
                victim.wait()
        # The others' parts come; then the epoch waits for the victim's task.
        while True:
            result = trainer.next_result(STALL_S)
            if result is None:
                break
            assert result["kind"] == "batch", (result, trainer.stderr(), cluster.logs())
            batches.append(result)
        assert trainer.proc.poll() is None, "the epoch ended without the lost worker"
        stalled = list(batches)
        # Back at its address, the worker ends its task: the epoch ends.
        restarted = cluster.start_worker(victim_name + "_restarted", port=victim_port)
        cluster.wait_serving(restarted)
        results = trainer.results(TRAINER_TIMEOUT_S)
    errors = [r for r in results if r["kind"] == "error"]
    assert not errors, (errors, cluster.logs())
    assert results[-1]["kind"] == "end"
    batches += [r for r in results if r["kind"] == "batch"]
    assert len(batches) == len(stalled), "the restarted worker read no part: all were taken"

    ids = [i for b in batches for i in b["ids"]]
    assert len(ids) == len(set(ids)), "a sample came twice"
    lost = []
    for part, part_ids in enumerate(parts):
        got = [
            i
            for b in batches
            if part_of(b["ids"][0], num_files, num_parts) == part
            for i in b["ids"]
        ]
        # What came of a part is its beginning, in the reader's order.
        assert got == part_ids[: len(got)], (part, got)
        if len(got) < len(part_ids):
            # Lost: the rest of a part the victim was reading.
            assert {b["pid"] for b in batches if b["ids"][0] in part_ids} <= {victim.pid}
            lost.append(part)
    assert lost, "the victim was killed with at least 12 batches of its part to go"
    assert len(lost) <= 2, lost  # its part in progress, and the next one it may have taken
    # Every other part came whole, from one worker.
    for part in set(range(num_parts)) - set(lost):
        assert len({b["pid"] for b in batches if b["ids"][0] in parts[part]}) == 1


if __name__ == "__main__":
    from tests.common.pytest_main import main

    main(__file__)
