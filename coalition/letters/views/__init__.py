"""Public views of the letters app (page routes delegate here)."""
