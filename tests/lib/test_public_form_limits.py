from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from truyvet.lib.ratelimit import BROWSER_COOKIE, Limit, client_keys, over_limit, remember_browser

LIMIT = Limit(scope="test-form", count=2, seconds=60)


def _request(address: str = "203.0.113.5", browser: str | None = None):
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    if browser:
        request.COOKIES[BROWSER_COOKIE] = browser
    return request


def test_a_browser_is_refused_after_the_limit_even_from_a_new_address():
    cache.clear()
    browser = "a" * 32
    assert not over_limit(LIMIT, client_keys(_request("203.0.113.1", browser)))
    assert not over_limit(LIMIT, client_keys(_request("203.0.113.2", browser)))
    assert over_limit(LIMIT, client_keys(_request("203.0.113.3", browser)))


def test_an_address_is_refused_after_the_limit_even_with_a_cleared_cookie():
    cache.clear()
    assert not over_limit(LIMIT, client_keys(_request()))
    assert not over_limit(LIMIT, client_keys(_request()))
    assert over_limit(LIMIT, client_keys(_request()))


def test_another_client_is_not_counted_with_the_first():
    cache.clear()
    for _ in range(3):
        over_limit(LIMIT, client_keys(_request("203.0.113.9", "b" * 32)))
    assert not over_limit(LIMIT, client_keys(_request("198.51.100.7", "c" * 32)))


def test_the_browser_cookie_is_set_once_and_then_kept():
    request = _request()
    response = remember_browser(request, HttpResponse())
    value = response.cookies[BROWSER_COOKIE].value
    assert len(value) == 32
    again = _request(browser=value)
    assert BROWSER_COOKIE not in remember_browser(again, HttpResponse()).cookies


@override_settings(RATELIMIT_ENABLE=False)
def test_limits_can_be_turned_off():
    cache.clear()
    assert not any(over_limit(LIMIT, client_keys(_request())) for _ in range(5))
