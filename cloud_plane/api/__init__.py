"""The staff HTTP API (thin routes over the store and use cases)."""
