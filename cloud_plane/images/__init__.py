"""Reads' images asked of their sites through the sync channel (issue 14)."""
