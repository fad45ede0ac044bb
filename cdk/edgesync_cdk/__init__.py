"""The CDK v2 app that deploys the cloud plane's AWS mode (see cdk/README.md)."""
