"""bootstrap: from a fresh clone to working AWS credentials through Okta."""

__version__ = "0.1.0"
