"""Web pages of the core app, one module per area; each module exports ``urlpatterns``."""
