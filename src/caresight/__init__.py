"""caresight: the customer-success control system for healthcare SaaS providers."""

__version__ = "0.1.0"
