"""The node's hotlist use cases (``service``): site edits, validated by the shared rules."""
