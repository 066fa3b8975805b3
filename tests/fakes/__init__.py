"""Fake chat platforms that the real client libraries talk to over loopback (test infrastructure)."""
