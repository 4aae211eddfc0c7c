"""Gazette alerts: watch government gazettes, split them into documents, classify and notify."""

__version__ = "0.1.0"
