"""Tests of the rules in ``wadconf.services``, called directly inside an app context."""
