"""Staff pages for declarations (placeholder stubs so URLs load; being replaced wholesale)."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


declaration_list = declaration_export = declaration_stats = declaration_detail = qr_revoke_view = _todo
