"""Converters from other layouts into the caresight dataset format."""
