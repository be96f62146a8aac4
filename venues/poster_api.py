"""A venue's posters for API clients (API.md: fetched with the same credentials as
``POST /api/v1/venues/``, a token or a session). The owner's pages keep their own poster
links (``venues:poster``), behind the session sign-in."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from truyvet.lib.export import print_response
from venues.poster import venue_poster
from venues.selectors import checkin_url, venue_get_for


class _PosterView(APIView):
    """The venue's A4 poster; its QR decodes to the venue's ``checkin_url``. Owners get their
    venues, health staff those of their wards; anyone else 404."""

    fmt = ""

    def get(self, request: Request, venue_id: int) -> HttpResponse:
        venue = venue_get_for(request.user, venue_id)
        body = venue_poster(venue, checkin_url=checkin_url(venue, request), fmt=self.fmt)
        return print_response(body, fmt=self.fmt, filename=f"poster-{venue.code}", cache_control="private, max-age=300")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[JSONRenderer, str]:
        # The file answers itself; errors are JSON whatever type the client accepts.
        return JSONRenderer(), JSONRenderer.media_type


class VenuePosterPngView(_PosterView):
    fmt = "png"

    @extend_schema(
        operation_id="v1_venues_poster_png_retrieve",
        responses={(200, "image/png"): OpenApiTypes.BINARY},
        summary="The venue's poster as a 300 dpi PNG",
        tags=["venues"],
    )
    def get(self, request: Request, venue_id: int) -> HttpResponse:
        return super().get(request, venue_id)


class VenuePosterPdfView(_PosterView):
    fmt = "pdf"

    @extend_schema(
        operation_id="v1_venues_poster_pdf_retrieve",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The venue's poster as an A4 PDF",
        tags=["venues"],
    )
    def get(self, request: Request, venue_id: int) -> HttpResponse:
        return super().get(request, venue_id)
