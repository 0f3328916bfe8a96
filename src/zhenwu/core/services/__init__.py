"""Write operations of the core app (STYLE.md §2), one module per area."""
