"""The full-cloud site (issue 11, phase 3): one site's node on ECS Fargate, RDS and S3.

One module a concern: ``site_config`` (context), ``network`` (VPC, security groups),
``database`` (RDS PostgreSQL), ``images`` (the images and logs buckets), ``files`` (EFS),
``container`` (the image and the node's environment), ``services`` (ALB, API and agent
services), ``stack`` (the stack that puts them together, and the app hook).
"""
