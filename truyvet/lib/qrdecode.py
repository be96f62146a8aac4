"""Reading a QR code from a photo on the server (OpenCV), for visitors without a scanner."""

from __future__ import annotations

import cv2
import numpy as np


def decode_qr_image(data: bytes) -> str | None:
    """The text of the first QR code found in the image, or None."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return None
    # Large phone photos decode faster, and as well, at about 1600 px on the long side.
    scale = 1600 / max(image.shape)
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # The ArUco-based detector first: OpenCV's classic one missed about one clean render in
    # twelve (finder patterns it did not pair up) and one tilted, blurred photo in five;
    # the classic one stays as a second try.
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text, _points, _straight = detector.detectAndDecode(image)
        if text:
            return str(text)
    return None
