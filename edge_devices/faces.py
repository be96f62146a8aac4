"""Face detection with OpenCV's Haar cascade (``haarcascade_frontalface_default.xml``).

Why this detector: OpenCV 5's wheels ship neither the cascades (``cv2.data`` is empty and
``CascadeClassifier`` is gone) nor the YuNet model, and the server must work offline with
nothing fetched at run time. ``requirements.txt`` pins the last 4.x wheel, which carries the
cascade files inside the package; docs/DEVICES.md says more.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np

# Frames are scaled down to this width before detection: a device's 1080p frame costs ten
# times a 640 px one and finds the same faces at a checkpoint's distance.
DETECT_WIDTH = 640
THUMB_SIZE = 96
# A traveller in a lane fills far more than 60 px of a 640 px frame; a coarser scale step and
# that smallest face make detection about 2.5 times faster than OpenCV's defaults (1.1, 40 px)
# and count the same faces on the sample photographs.
SCALE_FACTOR = 1.2
MIN_FACE = 60


@dataclass(frozen=True)
class Faces:
    count: int
    largest: tuple[int, int, int, int] | None  # x, y, w, h in the original frame


@cache
def _cascade() -> Any:
    """The frontal-face cascade of the pinned OpenCV 4 wheel (typed ``Any``: OpenCV 5's stubs,
    which a neighbour's environment may have, lack the class)."""
    # One thread per worker process: the edge worker's concurrency is its processes, and
    # OpenCV's own threads would only compete with them for the same cores.
    cv2.setNumThreads(1)
    classifier = getattr(cv2, "CascadeClassifier", None)
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined, unused-ignore]
    cascade = classifier(path) if classifier is not None else None
    if cascade is None or cascade.empty():
        raise RuntimeError(f"OpenCV's face cascade is missing ({path}): install requirements.txt's opencv 4.14")
    return cascade


def decode(data: bytes) -> np.ndarray | None:
    """The image as BGR pixels, or None when OpenCV cannot read it."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def detect(image: np.ndarray) -> Faces:
    """Faces in a BGR frame: how many, and the largest."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, DETECT_WIDTH / gray.shape[1])
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    found = _cascade().detectMultiScale(gray, scaleFactor=SCALE_FACTOR, minNeighbors=5, minSize=(MIN_FACE, MIN_FACE))
    if len(found) == 0:
        return Faces(0, None)
    x, y, w, h = max((tuple(int(v) for v in box) for box in found), key=lambda box: box[2] * box[3])
    return Faces(len(found), (round(x / scale), round(y / scale), round(w / scale), round(h / scale)))


def thumbnail(image: np.ndarray, box: tuple[int, int, int, int]) -> bytes:
    """A small JPEG of the face in ``box`` with a margin, at most 96 px a side."""
    x, y, w, h = box
    margin = w // 5
    top, left = max(0, y - margin), max(0, x - margin)
    crop = image[top : y + h + margin, left : x + w + margin]
    side = max(crop.shape[:2])
    factor = min(1.0, THUMB_SIZE / side)
    small = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else crop
    ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError("could not encode the thumbnail")
    return encoded.tobytes()
