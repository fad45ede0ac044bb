"""What the AWS mode costs a month: dated, cited prices (``prices``), the figures the
benchmarks measured (``measured``), what a deployment does in a month (``usage``), the two
multiplied per AWS service (``estimate``), and the table and JSON (``render``).

The full-cloud site of issue 11 (`--full-cloud`): its stack and month (``full_cloud``),
priced beside the plane (``full_cloud_estimate``), its table and JSON (``render_full_cloud``).

Pure: no AWS call, no clock; `edgesync cloud cost` prints it.
"""
