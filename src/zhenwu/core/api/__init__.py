"""REST API routers of the core app; mounted by zhenwu.api."""
