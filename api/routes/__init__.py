"""HTTP routes: thin handlers that parse, call one application method and map the result."""
