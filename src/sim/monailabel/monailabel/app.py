"""The radiology app's state: models, datastore (local folder or DICOMweb), active learning, training."""

import base64
import datetime
import hashlib
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid

import monailabel
from monailabel.logs import event

ORGANS = ["spleen", "right kidney", "left kidney", "liver", "stomach", "aorta", "inferior vena cava"]
ORGAN_IDS = {"spleen": 1, "right kidney": 2, "left kidney": 3, "liver": 6, "stomach": 7, "aorta": 8,
             "inferior vena cava": 9, "background": 0}
VERTEBRAE = {name: i + 1 for i, name in enumerate(
    [f"C{n}" for n in range(1, 8)] + [f"Th{n}" for n in range(1, 13)] + [f"L{n}" for n in range(1, 6)])}

# name -> (class in lib.configs.<name>, type, dimension, labels, description)
MODELS = {
    "deepedit": ("DeepEdit", "deepedit", 3, ORGAN_IDS, "3D DeepEdit model for segmentation of multiple organs"),
    "deepgrow_2d": ("Deepgrow2D", "deepgrow", 2, ORGANS, "2D Deepgrow model based on BasicUNet"),
    "deepgrow_3d": ("Deepgrow3D", "deepgrow", 3, ORGANS, "3D Deepgrow model based on BasicUNet"),
    "localization_spine": ("LocalizationSpine", "segmentation", 3, {"spine": 1}, "Spine localization"),
    "localization_vertebra": ("LocalizationVertebra", "segmentation", 3, VERTEBRAE, "Vertebra localization"),
    "segmentation": ("Segmentation", "segmentation", 3, ORGAN_IDS, "Multi-organ segmentation (SegResNet)"),
    "segmentation_spleen": ("SegmentationSpleen", "segmentation", 3, {"spleen": 1}, "Spleen segmentation (UNet)"),
    "segmentation_vertebra": ("SegmentationVertebra", "segmentation", 3, VERTEBRAE, "Vertebra segmentation"),
    "sw_fastedit": ("SlidingWindowFastEdit", "deepedit", 3, {"tumor": 1, "background": 0}, "Sliding window FastEdit"),
}
WEIGHTS_URL = "https://github.com/Project-MONAI/MONAILabel/releases/download/pretrained/radiology_{}_bunet.pt"
GPU = "NVIDIA GeForce RTX 4090"


class DicomWebError(Exception):
    pass


def image_block(image):
    """64 KiB that repeat through an image's bytes: a test can check what arrived."""
    return hashlib.sha256(image.encode("utf-8")).digest() * 2048


def detect_device(faults):
    """Like MONAI Label's device_list(): the GPU's name when torch sees one, else ["cpu"]."""
    if faults.get("cpuOnly"):
        return ["cpu"]
    try:
        import torch
    except ImportError:  # run from source, without an image: the GPU of the tests' pods
        return [GPU]
    return [torch.cuda.get_device_name(0)] if torch.cuda.is_available() else ["cpu"]


def truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "y", "on", "t")


def model_entry(kind, dimension, labels, description, device):
    return {"type": kind, "labels": labels, "dimension": dimension, "description": description,
            "config": {"device": device}}


class App:
    def __init__(self, app_dir, studies, conf, models, faults, log):
        self.app_dir, self.studies, self.conf, self.log = app_dir, studies, conf, log
        self.remote = studies.startswith(("http://", "https://"))
        self.image_bytes = int(faults.get("imageBytes", 1024 * 1024))
        self.device = detect_device(faults)
        missing = set(faults.get("missingModels") or [])
        self.infers = {}
        for name in models:
            if name not in missing:
                _, kind, dim, labels, desc = MODELS[name]
                self.infers[name] = model_entry(kind, dim, labels, desc, self.device)
        if "deepgrow_2d" in self.infers and "deepgrow_3d" in self.infers:
            self.infers["deepgrow_pipeline"] = model_entry(
                "deepgrow", 3, ORGANS, "Combines Clara Deepgrow 2D and 3D models", self.device)
        if truthy(conf.get("sam2", "true")):
            for dim in (2, 3):
                self.infers[f"sam_{dim}d"] = model_entry(
                    "deepgrow", dim, [], f"SAM2 ({dim}D) interactive segmentation", self.device)
        if truthy(conf.get("scribbles", "true")):
            for name in ("Histogram+GraphCut", "GMM+GraphCut"):
                self.infers[name] = model_entry(
                    "scribbles", 3, ORGAN_IDS, "Scribbles based label refinement", self.device)
        self.trainers = {name: {"name": name, "description": f"Train {name} model", "config": {
            "max_epochs": 50, "val_split": 0.2, "train_batch_size": 1, "val_batch_size": 1}} for name in models}
        self.labels = {}  # image id -> {tag: ts}
        self._lock = threading.Lock()
        self._series_cache = (0.0, None)
        self.tasks = []
        self._stop = threading.Event()
        if not self.remote:
            os.makedirs(studies, exist_ok=True)
            final = os.path.join(studies, "labels", "final")
            for name in sorted(os.listdir(final)) if os.path.isdir(final) else []:
                self.labels[image_id(name)] = {"final": int(os.path.getmtime(os.path.join(final, name)))}

    # ---- datastore -------------------------------------------------------------------------
    def images(self):
        """Image ids in the datastore; raises DicomWebError when the DICOMweb server does not answer."""
        if not self.remote:
            return sorted(image_id(n) for n in os.listdir(self.studies)
                          if not n.startswith(".") and os.path.isfile(os.path.join(self.studies, n)))
        fetched_at, cached = self._series_cache
        if cached is not None and time.monotonic() - fetched_at < 5:
            return cached
        try:
            series = self._fetch_series()
        except DicomWebError as error:
            self.log.error("monailabel.datastore.dicom", f"Failed to fetch series from DICOMweb: {error}")
            raise
        self._series_cache = (time.monotonic(), series)
        return series

    def _fetch_series(self):
        request = urllib.request.Request(self.studies.rstrip("/") + "/series?Modality=CT",
                                         headers={"Accept": "application/dicom+json"})
        try:
            with _dicomweb_opener(request).open(request, timeout=5) as response:
                if response.status == 204:  # DICOMweb's "no matches"
                    return []
                if response.status != 200:
                    raise DicomWebError(f"HTTP {response.status}")
                body = json.loads(response.read().decode("utf-8") or "[]")
            return [item["0020000E"]["Value"][0] for item in body]
        except urllib.error.HTTPError as error:
            raise DicomWebError(f"HTTP Error {error.code}: {error.reason}") from None
        except urllib.error.URLError as error:
            raise DicomWebError(str(error.reason)) from None
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise DicomWebError(f"Invalid DICOM JSON: {type(error).__name__}: {error}") from None
        except OSError as error:  # timeouts and resets while reading
            raise DicomWebError(str(error) or type(error).__name__) from None

    def stats(self):
        images = self.images()
        with self._lock:
            completed = sum(1 for tags in self.labels.values() if "final" in tags)
        return {"total": len(images), "completed": completed, "label_tags": {"final": completed}}

    def objects(self):
        with self._lock:
            labels = dict(self.labels)
        out = {}
        for image in self.images():
            tags = labels.get(image, {})
            out[image] = {"image": {"ext": "" if self.remote else ".nii.gz", "info": {}},
                          "labels": {tag: {"info": {"ts": ts}} for tag, ts in tags.items()}}
        return {"objects": out}

    def save_label(self, image, tag, size=0):
        with self._lock:
            self.labels.setdefault(image, {})[tag] = int(time.time())
        if not self.remote:
            folder = os.path.join(self.studies, "labels", tag)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, image + ".nii.gz"), "wb") as handle:
                handle.write(b"stand-in label\n")
        self.log.info("monailabel.endpoints.datastore", f"Saving Label for {image} for tag: {tag} by admin")
        event("label", image=image, bytes=size)
        return {"image": image, "label": image}

    # ---- models ----------------------------------------------------------------------------
    def weights(self, model):
        return os.path.join(self.app_dir, "model", f"pretrained_{model}.pt")

    def put_model(self, model, data):
        """PUT /model/{model}: replaces the weights that inference later loads with torch.load."""
        os.makedirs(os.path.dirname(self.weights(model)), exist_ok=True)
        with open(self.weights(model), "wb") as handle:
            handle.write(data)
        self.log.info("monailabel.endpoints.model", f"Model {model} replaced ({len(data)} bytes)")
        event("model_put", model=model, bytes=len(data))
        return {"model": model}

    def delete_model(self, model):
        if os.path.exists(self.weights(model)):
            os.remove(self.weights(model))
        event("model_delete", model=model)
        return {}

    # ---- DICOMweb proxy (endpoints/proxy.py) --------------------------------------------------
    def proxy(self, method, path, query, body):
        """/proxy/dicom/...: forwards to the DICOMweb server with the lab's credentials attached."""
        url = self.studies.rstrip("/") + "/" + path + (("?" + query) if query else "")
        request = urllib.request.Request(url, data=body if method == "POST" else None, method=method)
        event("proxy", method=method, path=path)
        try:
            with _dicomweb_opener(request).open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def next_sample(self, strategy):
        self.log.info("monailabel.endpoints.activelearning", f"Active Learning Request: {{'strategy': '{strategy}'}}")
        with self._lock:
            done = {image for image, tags in self.labels.items() if "final" in tags}
        pending = [image for image in self.images() if image not in done]
        if not pending:
            self.log.info("monailabel.endpoints.activelearning", "No Unlabeled Images Found")
            return {}
        image = {"random": random.choice, "first": lambda xs: xs[0], "last": lambda xs: xs[-1]}[strategy](pending)
        if self.remote:
            path = os.path.expanduser(os.path.join("~", ".cache", "monailabel", "dicom", image))
        else:
            path = os.path.join(self.studies, image + ".nii.gz")
        self.log.info("monailabel.endpoints.activelearning", f"Next sample: {{'id': '{image}', 'path': '{path}'}}")
        return {"id": image, "path": path}

    def infer(self, model, image):
        request = {"model": model, "image": image, "device": "cuda" if self.device != ["cpu"] else "cpu",
                   "result_extension": ".nrrd", "result_dtype": "uint8"}
        self.log.info("monailabel.endpoints.infer", f"Infer Request: {request}")
        latencies = {"pre": 0.41, "infer": 0.87, "invert": 0.02, "post": 0.11, "write": 0.05, "total": 1.46}
        self.log.info("monailabel.tasks.infer.basic_infer", f"Latencies: {latencies}")
        label = f"/tmp/tmp{uuid.uuid4().hex[:8]}.nrrd"
        return {"label": label, "params": {"label_names": self.infers[model]["labels"], "latencies": latencies}}

    # ---- training --------------------------------------------------------------------------
    def running_task(self):
        with self._lock:
            return next((t for t in self.tasks if t["status"] == "RUNNING"), None)

    def train(self, model, seconds, request):
        with self._lock:
            if any(t["status"] == "RUNNING" for t in self.tasks):
                return None
            task = {"id": str(uuid.uuid4()), "status": "RUNNING", "start_ts": _now(), "end_ts": None,
                    "details": [], "request": {"model": model, **request}}
            self.tasks.append(task)
            self._stop.clear()
        self.log.info("monailabel.utils.async_tasks.task", f"Train request: {task['request']}")
        threading.Thread(target=self._run_training, args=(task, seconds), daemon=True).start()
        return dict(task)

    def _run_training(self, task, seconds):
        deadline = time.monotonic() + seconds
        epoch = 0
        while not self._stop.wait(max(0.0, min(1.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                break
            epoch += 1
            task["details"].append(f"Epoch {epoch} completed")
        with self._lock:
            task["status"] = "STOPPED" if self._stop.is_set() else "DONE"
            task["end_ts"] = _now()
        code = -15 if task["status"] == "STOPPED" else 0
        self.log.info("monailabel.utils.async_tasks.task", f"Train Task {task['id']} {task['status']}; Return code: {code}")

    def stop_training(self):
        task = self.running_task()
        if task is None:
            return {}
        self._stop.set()
        for _ in range(50):
            if task["status"] != "RUNNING":
                break
            time.sleep(0.02)
        return dict(task)

    def info(self):
        labels = []
        for entry in self.infers.values():
            for label in entry["labels"]:
                if label not in labels and label != "background":
                    labels.append(label)
        return {
            "name": f"MONAILabel - Radiology ({monailabel.__version__})",
            "description": "DeepLearning models for radiology",
            "version": monailabel.__version__,
            "labels": labels,
            "models": self.infers,
            "trainers": self.trainers,
            "strategies": {"random": {"description": "Random Strategy"},
                           "first": {"description": "Get First Sample"},
                           "last": {"description": "Get Last Sample"}},
            "scoring": {},
            "train_stats": {},
            "datastore": self.stats(),
        }


def _dicomweb_opener(request):
    """Adds the lab's DICOMweb credentials to `request`; no proxies (the DICOMweb server in tests is on loopback)."""
    user = os.environ.get("MONAI_LABEL_DICOMWEB_USERNAME")
    password = os.environ.get("MONAI_LABEL_DICOMWEB_PASSWORD")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def image_id(filename):
    for ext in (".nii.gz", ".nii", ".nrrd", ".dcm", ".mha", ".mhd"):
        if filename.endswith(ext):
            return filename[: -len(ext)]
    return filename


def _now():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
