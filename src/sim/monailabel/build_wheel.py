#!/usr/bin/env python3
"""Build the monailabel stand-in wheel with the standard library only (wheel/setuptools may be absent).

Usage: python3 build_wheel.py --version 0.8.5 --out DIR [--requires JSON]   (prints the wheel's path)
"""

import argparse
import base64
import hashlib
import json
import os
import pathlib
import re
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE / "monailabel"
# Fixed timestamps and modes so the same sources always give the same bytes.
DATE_TIME = (1980, 1, 1, 0, 0, 0)
# Public PEP 440 versions only: the version lands in a file name and in `pip install monailabel==V`.
VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def sources(version):
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        files[path.relative_to(HERE).as_posix()] = path.read_bytes()
    # Baked in so the installed package reports the version it was installed as.
    files["monailabel/_version.py"] = f'__version__ = "{version}"\n'.encode()
    return dict(sorted(files.items()))


def metadata(version, requires):
    dist = f"monailabel-{version}.dist-info"
    return {
        f"{dist}/METADATA": (
            "Metadata-Version: 2.1\n"
            "Name: monailabel\n"
            f"Version: {version}\n"
            "Summary: Stand-in for MONAI Label used by monai-pod-bot's tests (not the real package)\n"
            "License: MIT\n"
            "Requires-Python: >=3.9\n"
            + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
        ).encode(),
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\n"
            "Generator: monai-pod-bot build_wheel.py\n"
            "Root-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ).encode(),
        f"{dist}/entry_points.txt": b"[console_scripts]\nmonailabel = monailabel.main:main\n",
    }


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def build(version, out_dir, requires=()):
    if not VERSION.match(version):
        raise SystemExit(f"build_wheel.py: not a release version: {version!r}")
    entries = {**sources(version), **metadata(version, requires)}
    record_name = f"monailabel-{version}.dist-info/RECORD"
    record = "".join(record_line(name, data) for name, data in entries.items()) + f"{record_name},,\n"
    entries[record_name] = record.encode()

    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, f"monailabel-{version}-py3-none-any.whl")
    # Write beside the target and rename, so a reader never sees half a wheel.
    handle, partial = tempfile.mkstemp(dir=out_dir, suffix=".whl.part")
    os.close(handle)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries.items():
                info = zipfile.ZipInfo(name, date_time=DATE_TIME)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return os.path.abspath(target)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="0.8.5")
    parser.add_argument("--out", required=True)
    parser.add_argument("--requires", default="[]", help="JSON list of Requires-Dist lines (the real release's)")
    args = parser.parse_args(argv)
    print(build(args.version, args.out, json.loads(args.requires)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
