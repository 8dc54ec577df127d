"""The process compiler: subprocesses, tree-level diagrams and the `Process` that holds them."""


def __getattr__(name: str):
    # Lazy: importing the package must not pull in the model and card machinery.
    if name in ("Process", "ProcessSubprocess"):
        from madnis_plugin.process import process

        return getattr(process, name)
    raise AttributeError(name)
