"""The signed PDF: fonts the project ships, a fetcher that serves only our own assets, rendering and merging."""
