"""Staff authentication: one JWT verifier for Cognito and the self-hosted issuer."""
