"""OMS: an online course management system."""

__version__ = "0.1.0"
