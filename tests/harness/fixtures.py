"""Pytest fixtures for the real peers (local Okta stand-in, moto STS server)."""
