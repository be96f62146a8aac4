"""Bluetooth upload codes are given only for confirmed cases, by the page and by the service."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case, UploadCode
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("classification", ["suspected", "probable"])
def test_no_upload_code_is_given_for_a_case_that_is_not_confirmed(
    insider_client: Client, outsider_client: Client, make_case: Callable[..., Case], classification: str
) -> None:
    case = make_case(classification=classification, confirmed_at=None)
    assert outsider_client.post(reverse("contacts:upload_code", args=[case.pk])).status_code == 404
    response = insider_client.post(reverse("contacts:upload_code", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("contacts:case_detail", args=[case.pk])
    assert "Chỉ cấp mã tải lên Bluetooth cho ca bệnh xác định." in response.content.decode()
    assert 'id="upload-code"' not in response.content.decode()
    assert not UploadCode.objects.exists()
    assert not AuditEvent.objects.filter(action="proximity.upload_code").exists()


def test_the_upload_code_service_itself_refuses_a_case_that_is_not_confirmed(
    make_case: Callable[..., Case],
) -> None:
    from contacts.services.proximity import upload_code_issue
    from truyvet.lib.errors import DomainError

    case = make_case(classification="probable", confirmed_at=None)
    with pytest.raises(DomainError) as error:
        upload_code_issue(user=None, person=case.person, case=case)
    assert error.value.code == "case_not_confirmed" and not UploadCode.objects.exists()
