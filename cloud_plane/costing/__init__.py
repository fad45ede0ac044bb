"""What the AWS mode costs a month: dated, cited prices (``prices``), the figures the
benchmarks measured (``measured``), what a deployment does in a month (``usage``), the two
multiplied per AWS service (``estimate``), and the table and JSON (``render``).

Pure: no AWS call, no clock; `edgesync cloud cost` prints it.
"""
