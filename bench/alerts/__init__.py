"""Alert benchmark: dispatcher throughput with a fixed-latency fake channel, and hit-to-message
latency end to end through a real node, sync and the cloud's dispatcher (default settings).

    python -m bench.alerts            # 1,000 deliveries; 50 timed hits
    python -m bench.alerts --quick    # 200 deliveries; 10 timed hits

Figures are printed with PASS/MISS beside the targets (never asserted) and written to
bench/out/alerts.json.
"""
