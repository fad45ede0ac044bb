"""The image store: camera images on local disk."""
