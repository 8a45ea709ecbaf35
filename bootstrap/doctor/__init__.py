"""`bootstrap doctor`: checks as data, run concurrently within a time bound, shown as text or JSON.

model.py   the result of one check, and the read-only context every check gets
checks.py  one small function per check id
runner.py  gathers the context, runs the checks in threads with timeouts, scrubs secrets
report.py  text (✓ ! ✗ -) and JSON views of the same list

This package never imports typer: the CLI only calls `runner.run` and prints a `report` view.
"""
