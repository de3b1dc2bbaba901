"""Function Compute's entry file: the handler is ``index.handler`` (``<file>.<function>``).

The Python runtime loads a top-level file of the code package, so this one re-exports the
wired handler of the installed package (``s.yaml``'s pre-deploy step copies it beside the
installed dependencies).
"""

from worker.fc_entry import handler

__all__ = ["handler"]
