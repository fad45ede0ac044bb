"""The cloud plane's AWS Lambda entry points (the contract with the CDK app is these paths).

======================================  ===========================================  ===========
handler                                 event                                        does
======================================  ===========================================  ===========
``cloud_plane.aws.api.handler``         API Gateway HTTP API (payload v2.0)          the app
``cloud_plane.aws.delivery.handler``    SQS (``ReportBatchItemFailures`` on)         deliveries
``cloud_plane.aws.monitor.handler``     EventBridge schedule (e.g. ``rate(1 minute)``)  health,
                                                                                     escalation,
                                                                                     sweep
======================================  ===========================================  ===========

Each is thin: it turns the event into a call on the same code ``edgesync cloud serve``
runs (``main.create_app``, ``alerts.queue_worker.QueueWorker``, ``Alerting.monitor_once``).
What it needs is built once per container from the environment (``runtime.py``), on the
first invocation, never at import.
"""
