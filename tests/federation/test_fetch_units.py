"""Address rules and header parsing, without a server."""
from __future__ import annotations

import ipaddress
import time

import pytest

from corete.federation.fetch import address_allowed, parse_retry_after
from corete.core.sanitize import clean_url

LOOPBACK = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                                "100.64.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                                "64:ff9b::a00:1", "2002:a00:1::", "::127.0.0.1", "224.0.0.1", "255.255.255.255"])
def test_non_public_addresses_are_refused(ip):
    assert not address_allowed(ip)


@pytest.mark.parametrize("ip", ["93.184.215.14", "2a00:1450:4002:402::200e", "::ffff:93.184.215.14"])
def test_public_addresses_pass(ip):
    assert address_allowed(ip)


def test_allow_list_opens_only_what_it_names():
    assert address_allowed("127.0.0.1", LOOPBACK)
    assert address_allowed("::ffff:127.0.0.1", LOOPBACK)
    assert not address_allowed("127.0.0.2", LOOPBACK)
    assert not address_allowed("::1", LOOPBACK)


def test_retry_after_forms():
    now = time.time()
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 600)), now=now) == pytest.approx(600, abs=1)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "&#106;avascript:alert(1)", "jav\tascript:alert(1)",
                                 "data:text/html,x", "vbscript:x", " java script:x", "//evil.example/x", "ftp://x.example/"])
def test_only_http_urls_survive(url):
    assert clean_url(url) is None


def test_relative_urls_resolve_against_the_feed():
    assert clean_url("/eventi/1", "https://lab121.example/feed.json") == "https://lab121.example/eventi/1"
