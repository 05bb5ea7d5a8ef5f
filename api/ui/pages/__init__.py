"""The routers of the web pages, one module per page family."""
