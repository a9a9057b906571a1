"""`monailabel start_server`: startup output like the real server, then the HTTP API on 127.0.0.1."""

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from monailabel import app as radiology
from monailabel.api import Html, route
from monailabel.logs import Log, event

UV = "uvicorn.error"
GENERIC = "monailabel.utils.others.generic"


def load_faults():
    path = os.environ.get("MONAILABEL_STANDIN_FAULTS")
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def start_server(args, log=None):
    log = log or Log()

    def shutdown(*_):
        log.info(UV, "Shutting down")
        log.info(UV, "Waiting for application shutdown.")
        log.info(UV, "Application shutdown complete.")
        log.info(UV, f"Finished server process [{os.getpid()}]")
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    alive = os.environ.get("SIMPOD_ALIVE_FILE")
    if alive:
        threading.Thread(target=_watch_alive, args=(alive, shutdown), daemon=True).start()

    if not os.path.isdir(args.app):
        log.plain(f"APP Directory {args.app} NOT Found")
        return 1
    faults = load_faults()
    log.open_file(os.path.join(args.app, "logs", "app.log"))
    conf = {k: v for k, v in (args.conf or [])}
    site = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    log.plain(f"Using PYTHONPATH={site}:{os.environ.get('PYTHONPATH', '')}")
    log.plain("")
    for key in ("app", "studies", "conf", "host", "port"):
        log.info("__main__", f"USING:: {key} = {getattr(args, key)}")
    log.plain("Allow Origins: ['*']")
    log.info(UV, f"Started server process [{os.getpid()}]")
    log.info(UV, "Waiting for application startup.")
    log.plain("App Init...")
    log.info("monailabel.interfaces.utils.app",
             f"Initializing App from: {args.app}; studies: {args.studies}; conf: {conf}")

    models = _select_models(conf.get("models"), log)
    if models is None:
        log.error(UV, "Application startup failed. Exiting.")
        return 1
    for name in models:
        log.info("main", f"+++ Adding Model: {name} => lib.configs.{name}.{radiology.MODELS[name][0]}")
    _download_weights(args.app, models, set(faults.get("missingModels") or []), log)
    if faults.get("startupDelaySeconds"):
        time.sleep(float(faults["startupDelaySeconds"]))
    while faults.get("startupWaitsFor") and not os.path.exists(faults["startupWaitsFor"]):
        time.sleep(0.05)
    if faults.get("failStartup"):
        _fake_traceback(args.app, str(faults["failStartup"]), log)
        log.error(UV, "Application startup failed. Exiting.")
        return 1
    log.info("main", f"+++ Using Models: {models}")
    log.info("monailabel.interfaces.app", f"Init Datastore for: {args.studies}")
    state = radiology.App(args.app, args.studies, conf, models, faults, log)
    if faults.get("trainingRunning"):
        state.train(models[0], 3600, {})
    log.info("monailabel.interfaces.app", "App Init - completed")

    port = int(os.environ.get(f"SIMPOD_PORT_{args.port}", args.port))
    try:
        # Loopback only, whatever --host says: the stand-in must never be reachable from outside.
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state, log, faults))
    except OSError as error:
        log.error(UV, f"[Errno {error.errno}] error while attempting to bind on address "
                      f"('{args.host}', {args.port}): {str(error.strerror or error).lower()}")
        return 1
    server.daemon_threads = True
    log.info(UV, "Application startup complete.")
    log.info(UV, f"Uvicorn running on http://{args.host}:{args.port} (Press CTRL+C to quit)")
    event("start_server", pid=os.getpid(), port=server.server_address[1])
    server.serve_forever(poll_interval=0.2)
    return 0


def _select_models(requested, log):
    valid = list(radiology.MODELS)
    banner = "-" * 87
    if not requested:
        for line in ("", banner, "Provide --conf models <name>",
                     "Following are the available models.  You can pass comma (,) seperated names to pass multiple",
                     f"    all, {', '.join(valid)}", banner, ""):
            log.plain(line)
        return None
    names = [m.strip() for m in requested.split(",") if m.strip()]
    invalid = [m for m in names if m != "all" and m not in radiology.MODELS]
    if invalid:
        for line in ("", banner, f"Invalid Model(s) are provided: {invalid}, either set 'all' or valid models: {valid}",
                     banner, ""):
            log.plain(line)
        return None
    return valid if "all" in names else list(dict.fromkeys(names))


def _download_weights(app_dir, models, missing, log):
    for name in models:
        path = os.path.join(app_dir, "model", f"pretrained_{name}.pt")
        if os.path.exists(path):
            continue
        url = radiology.WEIGHTS_URL.format(name)
        log.info(GENERIC, f"Downloading resource: {path} from {url}")
        if name in missing:
            log.error(GENERIC, f"Failed to download {url}: HTTP Error 404: Not Found")
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(b"stand-in weights\n")


def _fake_traceback(app_dir, message, log):
    log.plain("Traceback (most recent call last):")
    log.plain('  File "/usr/local/lib/python3.10/dist-packages/monailabel/interfaces/utils/app.py", '
              "line 51, in app_instance")
    log.plain("    app = c(app_dir=app_dir, studies=studies, conf=conf)")
    log.plain(f'  File "{os.path.join(app_dir, "main.py")}", line 104, in __init__')
    log.plain("    super().__init__(")
    log.plain(f"RuntimeError: {message}")


def _watch_alive(path, shutdown):
    while os.path.exists(path):
        time.sleep(0.5)
    shutdown()


def _die_after(seconds, log):
    time.sleep(seconds)
    log.plain("Killed")
    sys.stdout.flush()
    os._exit(137)


def _handler(state, log, faults):
    class Handler(BaseHTTPRequestHandler):
        # Kept-alive connections, closed after 5 idle seconds, as uvicorn does.
        protocol_version = "HTTP/1.1"
        timeout = 5
        disable_nagle_algorithm = True

        def version_string(self):
            return "uvicorn"

        def log_message(self, *_):  # no access log: the stand-in's output stays like MONAI Label's
            pass

        def do_GET(self):
            self._dispatch("GET")

        def do_HEAD(self):
            self._dispatch("HEAD")

        def do_POST(self):
            self._dispatch("POST")

        def do_PUT(self):
            self._dispatch("PUT")

        def do_DELETE(self):
            self._dispatch("DELETE")

        def _dispatch(self, method):
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            body = self._body()
            parts = [p for p in url.path.split("/") if p]
            if method in ("GET", "HEAD") and parts == ["datastore", "image"] and query.get("image"):
                return self._image(method, query["image"])
            try:
                status, payload = route(state, "GET" if method == "HEAD" else method, parts, query, body, url.query)
            except radiology.DicomWebError as error:
                status, payload = 500, {"detail": f"Failed to fetch series from DICOMweb: {error}"}
            except Exception as error:  # an API bug must answer 500, not kill the connection
                log.error(UV, f"Exception in ASGI application: {type(error).__name__}: {error}")
                status, payload = 500, {"detail": str(error)}
            if isinstance(payload, bytes):
                data, content_type = payload, "application/octet-stream"
            elif isinstance(payload, str):
                kind = "text/html" if isinstance(payload, Html) else "text/plain"
                data, content_type = payload.encode("utf-8"), f"{kind}; charset=utf-8"
            else:
                data, content_type = json.dumps(payload).encode("utf-8"), "application/json"
            if not isinstance(payload, bytes):
                data = log.scrub(data.decode("utf-8")).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)
            if faults.get("dieAfterServingInfo") and parts == ["info"] and status == 200:
                # Once the answer is out: the process dies as an out-of-memory kill would end it.
                self.wfile.flush()
                threading.Thread(target=_die_after, args=(0.2, log), daemon=True).start()

        def _image(self, method, image):
            """Next Sample's download: the series as one volume, streamed (tens to hundreds of MB)."""
            size = state.image_bytes
            block = radiology.image_block(image)
            log.info("monailabel.endpoints.datastore", f"Image download: {image}")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            while method == "GET" and sent < size:
                piece = block[: min(len(block), size - sent)]
                self.wfile.write(piece)
                sent += len(piece)

        def _body(self):
            # Read the whole request body even when unused: unread bytes make the close reset the connection.
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                    if size == 0:
                        return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

    return Handler
