"""Test helpers shared by every app's tests (fixtures, the permission table harness, local servers)."""
