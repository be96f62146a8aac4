"""Lists of provinces and wards sort by the name without its type ("Thành phố", "Xã",
"Phường", "Đặc khu"), so Hà Nội is under H; an address names its ward once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from truyvet.geo.models import Province, Ward
from truyvet.geo.names import address_with_ward, bare_name, sort_name
from truyvet.geo.selectors import ward_list

pytestmark = pytest.mark.django_db


def test_a_name_sorts_without_its_type_with_d_before_dd_and_numbers_in_order() -> None:
    assert bare_name("Thành phố Hà Nội") == "Hà Nội" and bare_name("Đặc khu Côn Đảo") == "Côn Đảo"
    assert bare_name("Cao Bằng") == "Cao Bằng" and bare_name("Phường 3") == "3"
    names = ["Thành phố Hà Nội", "Gia Lai", "Hưng Yên", "Đồng Nai", "Điện Biên", "Cao Bằng", "Thành phố Đà Nẵng"]
    assert sorted(names, key=sort_name) == [
        "Cao Bằng", "Thành phố Đà Nẵng", "Điện Biên", "Đồng Nai", "Gia Lai", "Thành phố Hà Nội", "Hưng Yên",
    ]  # fmt: skip
    assert sorted(["Phường 12", "Phường 3", "Xã Bình Chánh"], key=sort_name) == [
        "Phường 3",
        "Phường 12",
        "Xã Bình Chánh",
    ]


def test_the_provinces_list_puts_ha_noi_under_h_everywhere(client: Client) -> None:
    names = list(Province.objects.values_list("name", flat=True))
    assert names.index("Thành phố Hà Nội") < names.index("Hưng Yên")
    assert names.index("Thành phố Hà Nội") > names.index("Gia Lai")
    api = [p["name"] for p in client.get("/api/v1/provinces/").json()]
    assert api == names


def test_the_wards_of_a_province_sort_by_their_bare_names() -> None:
    wards = list(ward_list(province_code=12).values_list("name", flat=True))
    assert wards == sorted(wards, key=lambda name: (sort_name(name), name))


def test_syncing_the_units_again_keeps_their_sort_names() -> None:
    call_command("sync_geo")
    assert not Ward.objects.filter(sort_name="").exists() and not Province.objects.filter(sort_name="").exists()
    assert Province.objects.get(name="Thành phố Hà Nội").sort_name == "ha noi"


@pytest.mark.parametrize(
    ("address", "ward", "shown"),
    [
        ("Số 12, đường Hoa Ban, Xã Dào San", "Xã Dào San", "Số 12, đường Hoa Ban, Xã Dào San"),
        ("Số 12, đường Hoa Ban, Dào San", "Xã Dào San", "Số 12, đường Hoa Ban, Dào San"),
        ("Số 12, đường Hoa Ban", "Xã Dào San", "Số 12, đường Hoa Ban, Xã Dào San"),
        ("Số 12, xã dào san ", "Xã Dào San", "Số 12, xã dào san"),
        ("", "Xã Dào San", "Xã Dào San"),
        ("Bản Pa Vây Sử", "", "Bản Pa Vây Sử"),
        ("Số 3, Phường 13", "Phường 3", "Số 3, Phường 13, Phường 3"),
    ],
)
def test_an_address_names_its_ward_once(address: str, ward: str, shown: str) -> None:
    assert address_with_ward(address, ward) == shown
