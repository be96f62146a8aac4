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
            raise _full() from error


def _full() -> DomainError:
    return DomainError(
        _("The server has no room left for files. Nothing was saved; try again later."),
        CoreError.STORAGE_FULL,
        status=507,
    )


def write_new(storage: FileSystemStorage, name: str, data: bytes) -> str:
    """Write ``data`` as the new file ``name`` of ``storage`` (its directory made when missing)
    in a few system calls, for hot paths whose names are unique already (a random UUID):
    none of ``Storage.save``'s name checks, chunking or locking. A full disk is the same
    ``storage_full`` (507) as above and leaves no part of the file; any other ``OSError``
    (the name taken included: ``FileExistsError``) is raised as it is."""
    path = storage.path(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # The mode Storage.save would give (FILE_UPLOAD_PERMISSIONS), at creation: no chmod after.
    mode = storage.file_permissions_mode if storage.file_permissions_mode is not None else 0o666
    try:
        try:
            fd = os.open(path, flags, mode)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, flags, mode)
    except OSError as error:
        if error.errno in FULL:
            raise _full() from error
        raise
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as error:
        with suppress(FileNotFoundError):
            os.remove(path)
        if error.errno in FULL:
            raise _full() from error
        raise
    return name
