"""ft-lint: a linter for fine-tuning datasets."""

__version__ = "0.2.0"
