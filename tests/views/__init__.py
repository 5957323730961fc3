"""Tests of the web layer: pages, access rules, login and response security."""
