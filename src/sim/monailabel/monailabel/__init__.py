"""Stand-in for MONAI Label: its CLI and HTTP API, faked for testing monai-pod-bot. Not the real package."""

try:
    # build_wheel.py writes _version.py into the wheel, so the installed package knows its version.
    from ._version import __version__
except ImportError:  # imported from the source tree
    __version__ = "0.0.0+source"
