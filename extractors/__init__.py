"""Fetching, extraction and NLP stages of reewatch: plain functions over plain data."""

__version__ = "0.1.0"
