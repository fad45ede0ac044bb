"""Fixtures of the auth tests: a moto Cognito pool and a cloud in Cognito mode."""

from tests.cloud_plane.cognito_pool import cognito_cloud, cognito_pool

__all__ = ["cognito_cloud", "cognito_pool"]
