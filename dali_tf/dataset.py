"""DALIDataset: to be written (issue 3)."""


def DALIDataset(*args, **kwargs):  # noqa: N802
    raise NotImplementedError("DALIDataset is not implemented yet")


def dataset_options():
    raise NotImplementedError("dataset_options is not implemented yet")
