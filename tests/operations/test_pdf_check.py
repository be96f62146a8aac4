"""Directives must be PDFs by their content (header, trailer and cross-reference), and at
most OPERATIONS_DIRECTIVE_MAX_MB."""

from __future__ import annotations

import io

import pytest

from operations.pdfcheck import looks_like_pdf
from tests.operations.conftest import pdf_bytes


def check(content: bytes) -> bool:
    return looks_like_pdf(io.BytesIO(content), len(content))


def test_a_pdf_written_by_a_pdf_library_passes() -> None:
    assert check(pdf_bytes())


def test_a_pdf_updated_incrementally_passes_with_its_last_cross_reference() -> None:
    original = pdf_bytes()
    offset = original.rindex(b"xref")
    update = b"\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\n"
    appended = original + update + b"startxref\n%d\n%%%%EOF\n" % (len(original) + update.index(b"xref"))
    assert offset > 0 and check(appended)


def test_an_image_renamed_to_pdf_fails() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert not check(png)


def test_a_truncated_pdf_fails() -> None:
    content = pdf_bytes()
    assert not check(content[: len(content) // 2])


def test_a_pdf_header_on_other_content_fails() -> None:
    assert not check(b"%PDF-1.7\n" + b"hello " * 50 + b"\n%%EOF\n")


def test_a_cross_reference_offset_outside_the_file_fails() -> None:
    assert not check(b"%PDF-1.4\n" + b"x" * 100 + b"\nstartxref\n999999\n%%EOF\n")


def test_an_empty_file_fails() -> None:
    assert not check(b"")


@pytest.mark.django_db
def test_the_service_refuses_a_file_over_the_limit(settings: pytest.FixtureRequest, clerk, steering) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from operations.errors import OperationsError
    from operations.services import directive_save
    from tests.operations.conftest import pdf_upload
    from truyvet.lib.errors import DomainError

    settings.OPERATIONS_DIRECTIVE_MAX_MB = 1  # type: ignore[attr-defined]
    big = pdf_bytes()
    big = big[:9] + b"%" + b" " * (1024 * 1024) + b"\n" + big[9:]  # a comment makes it > 1 MB
    with pytest.raises(DomainError) as refused:
        directive_save(
            user=clerk,
            agency=steering,
            number="1/CT",
            issued_on=date(2026, 1, 5),
            issuer="UBND",
            title="Chỉ thị",
            summary="",
            pdf=pdf_upload(content=big),
        )
    assert refused.value.code == OperationsError.FILE_TOO_LARGE
