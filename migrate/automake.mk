# migrate/ -- see docs/architecture.md.
