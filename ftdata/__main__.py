from ftdata.cli import run

run()
