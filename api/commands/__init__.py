"""Command families of the `jiandu` command line."""
