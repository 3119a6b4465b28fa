"""mergeguard: pre-merge change-risk scoring."""
__version__ = "0.1.0"
