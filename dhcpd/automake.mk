# dhcpd/ -- see docs/architecture.md.
