"""The case page names its person as the case (not "the declarant") in both languages, and
writes the ward after the address once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case
from tests.factories import CaseFactory, PersonFactory, home_ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def case() -> Case:
    ward = home_ward(0)
    person = PersonFactory(full_name="Lò Thị Mai", ward=ward, address=f"Bản Nậm Cười, {ward.name}")
    return CaseFactory(person=person)


def page(client: Client, case: Case, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(reverse("contacts:case_detail", args=[case.pk])).content.decode()


def test_the_case_page_calls_its_person_the_patient_not_the_declarant(insider_client: Client, case: Case) -> None:
    vietnamese, english = page(insider_client, case, "vi"), page(insider_client, case, "en")
    assert "Người bệnh" in vietnamese and "Người khai" not in vietnamese
    assert ">Person</h2>" in english


def test_the_case_page_writes_the_ward_after_the_address_once(insider_client: Client, case: Case) -> None:
    ward = home_ward(0).name
    html = page(insider_client, case, "vi")
    assert f"Bản Nậm Cười, {ward}" in html and f"{ward}, {ward}" not in html
