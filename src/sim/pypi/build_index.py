#!/usr/bin/env python3
"""Write a find-links folder of stub distributions: metadata only, no code (standard library only).

Reads JSON on stdin: {"out": DIR, "packages": [{"name", "version", "requires", "extras",
"requiresPython", "sdistOnly"}]}. Wheels are py3-none-any; an sdistOnly package becomes a source
distribution whose in-tree build backend, like the real project's setup.py, refuses to build
without the torch it needs at build time.
"""

import base64
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import zipfile

DATE_TIME = (1980, 1, 1, 0, 0, 0)


def dist_name(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata(pkg):
    lines = ["Metadata-Version: 2.1", f"Name: {pkg['name']}", f"Version: {pkg['version']}",
             "Summary: Stub for monai-pod-bot's tests (metadata only, no code)"]
    if pkg.get("requiresPython"):
        lines.append(f"Requires-Python: {pkg['requiresPython']}")
    lines += [f"Provides-Extra: {extra}" for extra in pkg.get("extras", [])]
    lines += [f"Requires-Dist: {requirement}" for requirement in pkg.get("requires", [])]
    return "\n".join(lines) + "\n"


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def wheel_bytes(pkg, files=None):
    dist = f"{dist_name(pkg['name'])}-{pkg['version']}.dist-info"
    entries = dict(files or {})
    entries[f"{dist}/METADATA"] = metadata(pkg).encode()
    entries[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: monai-pod-bot stubs\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(record_line(name, data) for name, data in entries.items()) + f"{dist}/RECORD,,\n"
    entries[f"{dist}/RECORD"] = record.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=DATE_TIME)
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def wheel_file(pkg):
    return f"{dist_name(pkg['name'])}-{pkg['version']}-py3-none-any.whl"


BACKEND = '''"""Build backend of a stub sdist: checks the build-time torch, then writes a wheel."""
import base64, hashlib, importlib.metadata, os, zipfile

PKG = %(pkg)r
METADATA = %(metadata)r
MIN_TORCH = %(min_torch)r


def _release(version):
    return tuple(int(part) for part in version.split("+")[0].split(".")[:3] if part.isdigit())


def _check_torch():
    if not MIN_TORCH:
        return
    try:
        found = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError("building %%s needs torch>=%%s, which is not installed" %% (PKG["name"], MIN_TORCH))
    if _release(found) < _release(MIN_TORCH):
        raise RuntimeError("building %%s needs torch>=%%s, found %%s" %% (PKG["name"], MIN_TORCH, found))


def _dist():
    return "%%s-%%s.dist-info" %% (PKG["dist"], PKG["version"])


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    path = os.path.join(metadata_directory, _dist())
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "METADATA"), "w") as handle:
        handle.write(METADATA)
    return _dist()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _check_torch()
    entries = {PKG["dist"] + "/__init__.py": b"", _dist() + "/METADATA": METADATA.encode(),
               _dist() + "/WHEEL": b"Wheel-Version: 1.0\\nGenerator: stub backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = ""
    for name, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += "%%s,sha256=%%s,%%d\\n" %% (name, digest, len(data))
    entries[_dist() + "/RECORD"] = (record + _dist() + "/RECORD,,\\n").encode()
    name = "%%s-%%s-py3-none-any.whl" %% (PKG["dist"], PKG["version"])
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    return name
'''


def sdist_bytes(pkg):
    root = f"{dist_name(pkg['name'])}-{pkg['version']}"
    min_torch = next((re.sub(r"^torch>=", "", r) for r in pkg.get("requires", []) if r.startswith("torch>=")), "")
    build_requires = json.dumps(["setuptools>=61.0"] + ([f"torch>={min_torch}"] if min_torch else []))
    files = {
        "PKG-INFO": metadata(pkg),
        "pyproject.toml": f'[build-system]\nrequires = {build_requires}\nbuild-backend = "stub_backend"\nbackend-path = ["."]\n',
        "stub_backend.py": BACKEND % {"pkg": {"name": pkg["name"], "version": pkg["version"], "dist": dist_name(pkg["name"])},
                                      "metadata": metadata(pkg), "min_torch": min_torch},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return f"{root}.tar.gz", buffer.getvalue()


def write(path, data):
    partial = path + ".part"
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def main():
    spec = json.load(sys.stdin)
    out = spec["out"]
    os.makedirs(out, exist_ok=True)
    for pkg in spec["packages"]:
        if pkg.get("sdistOnly"):
            name, data = sdist_bytes(pkg)
            write(os.path.join(out, name), data)
        else:
            write(os.path.join(out, wheel_file(pkg)), wheel_bytes(pkg))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
