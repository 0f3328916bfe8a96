"""End-to-end tests in real Chromium against a live instance (issue 9); see test_flows.py."""
