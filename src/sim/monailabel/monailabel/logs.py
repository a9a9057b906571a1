"""Output in MONAI Label's log format, to stdout and APP/logs/app.log, plus the test event file."""

import datetime
import json
import os
import sys
import threading
import time

# Real MONAI Label logs `(logger:lineno)`; fixed line numbers make the lines look like a real server's.
_LINENOS = {
    "__main__": 285,
    "uvicorn.error": 75,
    "main": 96,
    "monailabel.interfaces.utils.app": 38,
    "monailabel.interfaces.app": 134,
    "monailabel.utils.others.generic": 274,
    "monailabel.datastore.dicom": 92,
    "monailabel.endpoints.activelearning": 44,
    "monailabel.endpoints.infer": 122,
    "monailabel.tasks.infer.basic_infer": 323,
    "monailabel.endpoints.datastore": 118,
    "monailabel.utils.async_tasks.task": 41,
}


def _secrets():
    # The DICOMweb password must never reach stdout or app.log, even inside an error message.
    password = os.environ.get("MONAI_LABEL_DICOMWEB_PASSWORD", "")
    return [password] if len(password) >= 3 else []


class Log:
    def __init__(self):
        # Reentrant: the SIGTERM handler logs from the main thread, possibly while it is mid-line.
        self._lock = threading.RLock()
        self._file = None
        self._secrets = _secrets()
        try:
            sys.stdout.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass

    def open_file(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._file = open(path, "a", encoding="utf-8", buffering=1)

    def scrub(self, text):
        for secret in self._secrets:
            text = text.replace(secret, "*****")
        return text

    def plain(self, message=""):
        self._emit(message)

    def info(self, name, message):
        self._emit(self._format("INFO", name, message))

    def warning(self, name, message):
        self._emit(self._format("WARNING", name, message))

    def error(self, name, message):
        self._emit(self._format("ERROR", name, message))

    def _format(self, level, name, message):
        now = datetime.datetime.now()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S") + ",%03d" % (now.microsecond // 1000)
        lineno = _LINENOS.get(name, 1)
        return f"[{stamp}] [{os.getpid()}] [MainThread] [{level}] ({name}:{lineno}) - {message}"

    def _emit(self, line):
        line = self.scrub(line)
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            if self._file is not None:
                self._file.write(line + "\n")


def event(kind, **fields):
    """Append one JSON line to $MONAILABEL_STANDIN_EVENTS, so tests can see what ran and when."""
    path = os.environ.get("MONAILABEL_STANDIN_EVENTS")
    if not path:
        return
    record = {"event": kind, **fields, "ts": time.time()}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
