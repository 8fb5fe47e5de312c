"""lambda-sim: the functions of a SAM template, as packaged, run the way Lambda runs them
(`make lambda-sim`; docs/sandbox.md). `python -m lambda_sim --help` lists its options."""
