"""The app's own HTTP routes and their stores (mounted by serve.py): map data, image tiles,
and the Tianditu tile proxy.  Nothing here draws; layers/ does."""
