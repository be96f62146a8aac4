"""Static files in production: hashed, compressed, and without source maps.

Vendored and packaged front-end files ship source maps (``*.map``) and point to them with a
``sourceMappingURL`` comment. Production serves neither: ``collectstatic`` leaves the maps
out (``StaticFilesConfig.ignore_patterns``) and the storage drops the comments from the
hashed files it writes, so no browser asks for a map that is not there. In development the
files are served as they are, maps included.
"""

from __future__ import annotations

from collections.abc import Callable
from re import Match

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesConfig(DjangoStaticFilesConfig):
    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "*.map"]


class ProductionStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, with ``sourceMappingURL`` comments removed
    (Django would otherwise rewrite them to the hashed name of a map it did not collect,
    and fail on the missing file)."""

    def url_converter(
        self, name: str, hashed_files: dict[str, str], template: str | None = None
    ) -> Callable[[Match[str]], str]:
        if template is not None and "sourceMappingURL" in template:
            return lambda match: ""
        converter: Callable[[Match[str]], str] = super().url_converter(name, hashed_files, template)
        return converter
