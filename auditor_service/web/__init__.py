"""The pages: rendered on the server with jinja2, over the library and the store."""
