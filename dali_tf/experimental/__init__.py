"""Experimental API: DALIDatasetWithInputs and Input (issue 4)."""
