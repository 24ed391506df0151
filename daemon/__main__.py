"""`python -m daemon` is the same as the `dunmail` command."""

from daemon.cli import main

main(prog_name="dunmail")
