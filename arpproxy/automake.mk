# arpproxy/ -- see docs/architecture.md.
