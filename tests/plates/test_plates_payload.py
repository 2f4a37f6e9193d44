import random

import pytest

from placenames.plates.errors import PlateUrlError
from placenames.plates.ids import display_plate_id, new_plate_id
from placenames.plates.payload import (
    normalize_base_url,
    official_host,
    parse_plate_url,
    plate_url,
    sign,
    verify,
)

BASE = "https://dmb.xixian.gov.cn"
KEY = b"field-staff-key-for-tests"
PID = new_plate_id(random.Random(11))


def test_plate_url_shape_and_trailing_slash():
    assert plate_url(BASE + "/", PID) == f"{BASE}/p/{PID}"
    assert plate_url("HTTPS://DMB.Xixian.gov.cn/dmb/", display_plate_id(PID)) == (
        f"https://dmb.xixian.gov.cn/dmb/p/{PID}"
    )


@pytest.mark.parametrize(
    "bad",
    ["ftp://dmb.xixian.gov.cn", "dmb.xixian.gov.cn", "https://x.cn/?a=1", "https://x.cn/#f",
     "https://user:pw@x.cn", "https://"],
)
def test_bad_base_urls_are_rejected(bad):
    with pytest.raises(PlateUrlError):
        normalize_base_url(bad)


def test_official_host():
    assert official_host("https://DMB.xixian.gov.cn:8443/x/") == "dmb.xixian.gov.cn:8443"


def test_round_trip_without_tag():
    scanned = parse_plate_url(plate_url(BASE, PID), BASE)
    assert (scanned.plate_id, scanned.tag, scanned.tag_valid) == (PID, None, None)


def test_round_trip_with_tag():
    url = plate_url(BASE, PID, key=KEY)
    assert url == f"{BASE}/p/{PID}?t={sign(PID, KEY)}"
    scanned = parse_plate_url(url, BASE, key=KEY)
    assert scanned.plate_id == PID and scanned.tag_valid is True


def test_tag_is_short_and_deterministic():
    tag = sign(PID, KEY)
    assert len(tag) == 8 and tag == sign(PID.lower(), KEY)
    assert verify(PID, tag.lower(), KEY)


def test_verify_rejects_tampered_id_wrong_key_and_wrong_tag():
    tag = sign(PID, KEY)
    other = new_plate_id(random.Random(12))
    assert not verify(other, tag, KEY)
    assert not verify(PID, tag, b"another key")
    assert not verify(PID, tag[:-1] + ("A" if tag[-1] != "A" else "B"), KEY)
    assert not verify("garbage", tag, KEY)
    forged = f"{BASE}/p/{other}?t={tag}"
    assert parse_plate_url(forged, BASE, key=KEY).tag_valid is False


@pytest.mark.parametrize(
    "url",
    [
        f"https://dmb-xixian.com/p/{PID}",
        f"http://dmb.xixian.gov.cn/p/{PID}",
        f"https://dmb.xixian.gov.cn/q/{PID}",
        "https://dmb.xixian.gov.cn/p/NOTANID",
        f"https://dmb.xixian.gov.cn/p/{PID}#x",
    ],
)
def test_parse_rejects_foreign_or_malformed_urls(url):
    with pytest.raises(PlateUrlError):
        parse_plate_url(url, BASE)
