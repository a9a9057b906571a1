"""The HTTP API's routes: (method, path parts, query, body) -> (status, JSON value or text)."""

import json
import os

import monailabel

NVIDIA_SMI = """+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.127.05             Driver Version: 550.127.05     CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 4090        On  |   00000000:01:00.0 Off |                  Off |
|  0%   34C    P8             21W /  450W |    1843MiB /  24564MiB |      0%      Default |
+-----------------------------------------+------------------------+----------------------+
"""
NO_GPU = ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
          "Make sure that the latest NVIDIA driver is installed and running.\n")


class Html(str):
    """A text answer served as text/html rather than text/plain."""


def route(state, method, parts, query, body, raw_query=""):
    head = parts[0] if parts else ""
    rest = parts[1:]
    if method == "GET" and not parts:
        return 200, Html("<html><head><title>MONAI Label</title></head><body><h1>MONAI Label</h1>"
                         "<p><a href='/docs/'>API docs</a></p></body></html>")
    if method == "GET" and parts == ["openapi.json"]:
        return 200, {"openapi": "3.0.2", "info": {"title": "MONAILabel", "version": monailabel.__version__},
                     "paths": {}}
    if method == "GET" and parts == ["info"]:
        return 200, state.info()
    if head == "datastore" and method == "GET" and not rest:
        return 200, state.objects() if query.get("output") == "all" else state.stats()
    if head == "datastore" and method == "PUT" and rest == ["label"]:
        if not query.get("image"):
            return 422, _missing("image")
        return 200, state.save_label(query["image"], query.get("tag", "final"), len(body))
    if head == "model" and len(rest) == 1:
        if method == "PUT":
            return 200, state.put_model(rest[0], body)
        if method == "DELETE":
            return 200, state.delete_model(rest[0])
        if method == "GET" and os.path.exists(state.weights(rest[0])):
            with open(state.weights(rest[0]), "rb") as handle:
                return 200, handle.read()
    if head == "proxy" and rest[:1] == ["dicom"] and len(rest) >= 3 and method in ("GET", "POST"):
        if not state.remote:
            return 404, {"detail": "Not Found"}
        # /proxy/dicom/{qido,wado,stow}/<path>: every kind goes to the DICOMweb root here.
        return state.proxy(method, "/".join(rest[2:]), raw_query, body)
    if head == "activelearning" and method == "POST" and len(rest) == 1:
        if rest[0] not in ("random", "first", "last"):
            return 404, {"detail": f"Strategy '{rest[0]}' not found"}
        return 200, state.next_sample(rest[0])
    if head == "infer" and method == "POST" and len(rest) == 1:
        if rest[0] not in state.infers:
            return 404, {"detail": f"Inference Task is not Initialized. There is no model '{rest[0]}' available"}
        if not query.get("image"):
            return 422, _missing("image")
        return 200, state.infer(rest[0], query["image"])
    if head == "train":
        return _train(state, method, rest, query, body)
    if head == "logs" and method == "GET":
        if rest == ["gpu"]:
            return 200, NO_GPU if state.device == ["cpu"] else NVIDIA_SMI
        if not rest:
            return 200, _tail(os.path.join(state.app_dir, "logs", "app.log"), int(query.get("lines", 300)))
    return 404, {"detail": "Not Found"}


def _train(state, method, rest, query, body):
    if method == "GET" and not rest:
        running = state.running_task()
        if query.get("check_if_running") in ("true", "1"):
            return (200, running) if running else (404, {"detail": "No Train Tasks are currently Running"})
        if not state.tasks:
            return 404, {"detail": "No Train Tasks found"}
        return 200, list(state.tasks) if query.get("all") in ("true", "1") else state.tasks[-1]
    if method == "DELETE" and not rest:
        return 200, state.stop_training()
    if method == "POST" and len(rest) == 1:
        if rest[0] not in state.trainers:
            return 404, {"detail": f"Train Task for '{rest[0]}' not found"}
        request = json.loads(body.decode("utf-8") or "{}") if body.strip() else {}
        seconds = float(query.get("seconds", request.get("max_epochs", 30)))
        task = state.train(rest[0], seconds, request)
        return (200, task) if task else (429, {"detail": "Train Task is already running"})
    return 404, {"detail": "Not Found"}


def _tail(path, lines):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        content = handle.read().splitlines()
    return "\n".join(content[-lines:]) + "\n" if lines > 0 else ""


def _missing(field):
    return {"detail": [{"loc": ["query", field], "msg": "field required", "type": "value_error.missing"}]}
