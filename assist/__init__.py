"""The assist runtime: the pipeline (retrieve -> answer -> confidence -> facts -> decide -> log), the matrix in
force (``policy``), the SLA clock (``clock``), the notification outbox (``outbox``) and the database (``db``),
composed from the settings in ``runtime``. The doors (HTTP and the CLI) live in ``api``.
"""
