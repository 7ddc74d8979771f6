"""Devices that talk to Linli: the smart-locker simulator (see devices/README.md)."""
