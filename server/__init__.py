"""The app's own HTTP routes and their stores (mounted by serve.py): map data, vector tiles,
and the Tianditu tile proxy.  Nothing here draws; layers/ does."""
