"""The process compiler: subprocesses, tree-level diagrams and the `Process` that holds them."""
