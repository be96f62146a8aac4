"""Uploaded files (MEDIA_ROOT): a full disk is a clear error, never half a file.

Django's ``FileSystemStorage`` leaves a partly written file behind when a write fails, and the
``OSError`` becomes a 500. Here a full disk (``ENOSPC``), a full quota (``EDQUOT``) or a file-size
limit (``EFBIG``) removes the part written and raises ``DomainError`` with the code
``storage_full`` (507): the API answers it, forms show it, and the caller's transaction rolls
back, so no record points at a file that is not there.
"""

from __future__ import annotations

import errno
import os
from contextlib import suppress
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class MediaStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        path = self.path(name)
        existed = os.path.lexists(path)
        try:
            return super()._save(name, content)  # type: ignore[misc]  # (not in django-stubs)
        except OSError as error:
            if error.errno not in FULL:
                raise
            if not existed:  # ours, partly written (the name was free when the write began)
                with suppress(FileNotFoundError):
                    os.remove(path)
            raise DomainError(
                _("The server has no room left for files. Nothing was saved; try again later."),
                CoreError.STORAGE_FULL,
                status=507,
            ) from error
