"""Use case: a camera delivers a plate read (native and vendor formats)."""
