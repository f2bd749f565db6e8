# daemon/ -- see docs/architecture.md.
