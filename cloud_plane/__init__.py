"""The edgesync cloud control plane: sync endpoint, stores, staff auth, alerts, dashboard."""
