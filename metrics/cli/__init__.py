"""The command line (python -m metrics): one module per command group."""
