"""mcuforge: keyword-spotting and vision models from data to Cortex-M firmware."""

__version__ = "0.1.0"
