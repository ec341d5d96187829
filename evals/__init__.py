"""The eval harness: labelled-set runner, metrics, reports and matrix replay (see issue #6)."""
