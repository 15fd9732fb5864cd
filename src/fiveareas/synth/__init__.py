"""Synthetic city generator: what Shanghai's banks would submit, calibrated to public figures."""

from fiveareas.synth.city import generate_city

__all__ = ["generate_city"]
