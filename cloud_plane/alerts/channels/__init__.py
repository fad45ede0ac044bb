"""Delivery channels behind one small protocol (``base.Channel``): SNS, SES, SMTP, webhook, file.

Each implementation lives in its own module so that importing one never
imports the client library of another.
"""
