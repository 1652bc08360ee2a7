"""Device profile decoders: known vectors, encode/decode round trips, batch == single, fuzzing."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarttouch.sensors.profiles import (
    PROFILES,
    DecodeError,
    get_profile,
    heart_rate,
    quat_from_euler_deg,
    smarttouch_imu,
    thingy52,
    witmotion,
)
from smarttouch.sensors.profiles.witmotion import WitMotionParser


def test_registry_has_every_profile():
    assert set(PROFILES) == {
        "thingy52-raw",
        "thingy52-quaternion",
        "thingy52-euler",
        "witmotion",
        "heart-rate",
        "smarttouch-imu",
    }
    with pytest.raises(KeyError, match="known: thingy52-raw"):
        get_profile("nope")


def test_thingy_raw_known_vector():
    # Thingy lying flat: DevZone thread 47415 reports accel z = 0x03F6 = 1014 -> 0.990 g (Q6.10)
    payload = struct.pack("<9h", -6, -12, 1014, 64, -32, 3200, 480, -16, 800)
    s = get_profile("thingy52-raw").decode(payload)
    np.testing.assert_allclose(s.acc[0], [-6 / 1024, -12 / 1024, 1014 / 1024])
    np.testing.assert_allclose(s.gyr[0], [2.0, -1.0, 100.0])
    np.testing.assert_allclose(s.mag[0], [30.0, -1.0, 50.0])
    assert s.quat is None


def test_thingy_quaternion_and_euler_vectors():
    q = get_profile("thingy52-quaternion").decode(struct.pack("<4i", 1 << 30, 0, 0, -(1 << 29)))
    np.testing.assert_allclose(q.quat[0], [1.0, 0.0, 0.0, -0.5])
    e = get_profile("thingy52-euler").decode(struct.pack("<3i", 10 << 16, -(45 << 16), 90 << 16))
    np.testing.assert_allclose(e.euler_deg[0], [10.0, -45.0, 90.0])
    assert set(e.to_json()["samples"][0]) == {"euler_deg"}


@pytest.mark.parametrize("name", ["thingy52-raw", "thingy52-quaternion", "thingy52-euler"])
def test_thingy_wrong_length_is_decode_error(name):
    with pytest.raises(DecodeError, match=f"{name}: expected"):
        get_profile(name).decode(b"\x00" * 5)


def test_thingy_raw_round_trip_and_batch_equals_single():
    rng = np.random.default_rng(3)
    acc = rng.uniform(-4, 4, (50, 3))
    gyr = rng.uniform(-500, 500, (50, 3))
    mag = rng.uniform(-60, 60, (50, 3))
    payloads = thingy52.encode_raw(acc, gyr, mag)
    prof = get_profile("thingy52-raw")
    batch = prof.decode_batch(payloads)
    np.testing.assert_allclose(batch.acc, acc, atol=1 / 1024)
    np.testing.assert_allclose(batch.gyr, gyr, atol=1 / 32)
    np.testing.assert_allclose(batch.mag, mag, atol=1 / 16)
    singles = np.vstack([prof.decode(p).acc for p in payloads])
    np.testing.assert_array_equal(singles, batch.acc)


def test_batch_names_the_bad_notification():
    payloads = thingy52.encode_raw(np.zeros((3, 3)), np.zeros((3, 3)))
    payloads[1] = payloads[1][:-1]
    with pytest.raises(DecodeError, match="notification 1: expected 18 bytes"):
        get_profile("thingy52-raw").decode_batch(payloads)


def test_thingy_orientation_stream_pairs_raw_with_latest_quaternion():
    prof = get_profile("thingy52-quaternion")
    stream = prof.stream()
    raw = thingy52.encode_raw([[0, 0, 1]], [[1, 2, 3]])[0]
    assert stream.feed(thingy52.RAW_UUID, raw) is None  # no orientation yet
    assert stream.waiting_for_orientation == 1
    q = np.array([[0.7071, 0.7071, 0, 0]])
    assert stream.feed(thingy52.QUATERNION_UUID, thingy52.encode_quaternion(q)[0]) is None
    out = stream.feed(thingy52.RAW_UUID, raw)
    np.testing.assert_allclose(out.quat, q, atol=1e-8)
    np.testing.assert_allclose(out.gyr, [[1, 2, 3]], atol=1 / 32)
    assert stream.feed(thingy52.QUATERNION_UUID, b"\x01") is None
    assert stream.errors == 1 and "expected 16 bytes" in stream.last_error


def test_euler_stream_derives_quaternion():
    stream = get_profile("thingy52-euler").stream()
    stream.feed(thingy52.EULER_UUID, thingy52.encode_euler([[0, 0, 90]])[0])
    out = stream.feed(thingy52.RAW_UUID, thingy52.encode_raw([[0, 0, 1]], [[0, 0, 0]])[0])
    np.testing.assert_allclose(out.quat[0], [np.sqrt(0.5), 0, 0, np.sqrt(0.5)], atol=1e-9)


def test_quat_from_euler_matches_rotation_matrix():
    rng = np.random.default_rng(0)
    e = rng.uniform(-80, 80, (20, 3))
    q = quat_from_euler_deg(e)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0)
    for (roll, pitch, yaw), (w, x, y, z) in zip(np.radians(e), q):
        rx = np.array([[1, 0, 0], [0, np.cos(roll), -np.sin(roll)], [0, np.sin(roll), np.cos(roll)]])
        ry = np.array([[np.cos(pitch), 0, np.sin(pitch)], [0, 1, 0], [-np.sin(pitch), 0, np.cos(pitch)]])
        rz = np.array([[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]])
        rq = np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
            ]
        )
        np.testing.assert_allclose(rq, rz @ ry @ rx, atol=1e-12)


# ----------------------------------------------------------------------------- witmotion


def test_witmotion_known_vector():
    body = struct.pack("<9h", 0, 0, 2048, 16384, 0, -16384, 8192, 0, -16384)
    s = get_profile("witmotion").decode(b"\x55\x61" + body)
    np.testing.assert_allclose(s.acc[0], [0, 0, 1.0])
    np.testing.assert_allclose(s.gyr[0], [1000.0, 0, -1000.0])
    np.testing.assert_allclose(s.euler_deg[0], [45.0, 0, -90.0])


def test_witmotion_parser_split_merged_and_garbage():
    rng = np.random.default_rng(5)
    acc, gyr, ang = rng.uniform(-2, 2, (6, 3)), rng.uniform(-300, 300, (6, 3)), rng.uniform(-170, 170, (6, 3))
    stream = witmotion.encode_packets(acc, gyr, ang)
    register_reply = b"\x55\x71" + bytes(18)
    noisy = (
        b"\x00\x13\x55" + stream[:40] + register_reply + stream[40:80] + b"\x01\x02" + stream[80:] + b"\x55"
    )
    parser = WitMotionParser()
    got = []
    cuts = [0, 7, 8, 61, 90, 97, 130, len(noisy)]
    for a, b in zip(cuts, cuts[1:]):
        s = parser.feed(noisy[a:b])
        if len(s):
            got.append(s.acc)
    acc_out = np.vstack(got)
    assert parser.register_packets == 1
    assert parser.garbage_bytes == 5  # 0x00 0x13, a 0x55 not followed by a flag, 0x01 0x02
    assert parser.pending == 1  # the trailing lone 0x55 waits for its flag byte
    np.testing.assert_allclose(acc_out, acc, atol=16 / 32768)


def test_witmotion_several_packets_in_one_notification_and_split():
    data = witmotion.encode_packets(np.zeros((3, 3)), np.ones((3, 3)), np.zeros((3, 3)))
    stream = get_profile("witmotion").stream()
    assert stream.feed(witmotion.NOTIFY_UUID, data[:30]).acc.shape == (1, 3)
    out = stream.feed(witmotion.NOTIFY_UUID, data[30:])
    assert out.acc.shape == (2, 3) and out.quat.shape == (2, 4)


@pytest.mark.parametrize(
    "payload, pattern",
    [
        (b"", "no 0x55 0x61"),
        (b"\x55\x61" + bytes(10), "not part of a complete"),
        (b"\x00" * 20, "not part of a complete"),
    ],
)
def test_witmotion_decode_errors(payload, pattern):
    with pytest.raises(DecodeError, match=pattern):
        get_profile("witmotion").decode(payload)


# ----------------------------------------------------------------------------- heart rate


@pytest.mark.parametrize("uint16", [False, True])
@pytest.mark.parametrize("contact", [None, False, True])
@pytest.mark.parametrize("energy", [None, 513])
@pytest.mark.parametrize("rr", [(), (0.75,), (0.5, 1.0, 0.8125)])
def test_heart_rate_every_flag_combination(uint16, contact, energy, rr):
    payload = heart_rate.encode_measurement(72, rr, energy, contact, uint16=uint16)
    m = get_profile("heart-rate").decode(payload)
    assert m.heart_rate_bpm == 72
    assert m.contact is contact
    assert m.energy_kj == energy
    assert m.rr_s == pytest.approx(rr, abs=1 / 1024)
    assert bool(payload[0] & 0x01) == uint16


def test_heart_rate_known_vector_json():
    # flags 0x16: uint8 rate, contact supported + detected, RR present; 0x0400 = 1024/1024 s
    m = get_profile("heart-rate").decode(bytes.fromhex("16 48 00 04 00 02".replace(" ", "")))
    assert m.to_json() == {"heart_rate_bpm": 72, "rr_s": [1.0, 0.5], "energy_kj": None, "contact": True}


@pytest.mark.parametrize(
    "payload, pattern",
    [
        (b"", "empty payload"),
        (b"\x01\x48", "uint16 heart rate"),
        (b"\x08\x48\x01", "energy expended"),
        (b"\x10\x48\x01", "whole uint16"),
        (b"\x00\x48\x01", "trailing"),
    ],
)
def test_heart_rate_errors(payload, pattern):
    with pytest.raises(DecodeError, match=pattern):
        get_profile("heart-rate").decode(payload)


# ----------------------------------------------------------------------------- smarttouch-imu


@pytest.mark.parametrize("with_mag", [False, True])
def test_smarttouch_imu_round_trip(with_mag):
    rng = np.random.default_rng(7)
    acc, gyr = rng.uniform(-3, 3, (10, 3)), rng.uniform(-900, 900, (10, 3))
    mag = rng.uniform(-60, 60, (10, 3)) if with_mag else None
    payload = smarttouch_imu.encode_notification(65535, 123456, 200, acc, gyr, mag, acc_code=1, gyr_code=2)
    assert len(payload) == 11 + 10 * (18 if with_mag else 12)
    s = get_profile("smarttouch-imu").decode(payload)
    assert (s.seq, s.rate_hz, s.device_time_s) == (65535, 200.0, pytest.approx(0.123456))
    np.testing.assert_allclose(s.acc, acc, atol=4 / 32768)
    np.testing.assert_allclose(s.gyr, gyr, atol=1000 / 32768)
    if with_mag:
        np.testing.assert_allclose(s.mag, mag, atol=1 / 16)
    else:
        assert s.mag is None


def test_smarttouch_imu_batch_equals_single_and_mixed_sizes():
    prof = get_profile("smarttouch-imu")
    rng = np.random.default_rng(1)
    notes = [
        smarttouch_imu.encode_notification(
            i, i * 40000, 100, rng.normal(0, 1, (4, 3)), rng.normal(0, 50, (4, 3))
        )
        for i in range(20)
    ]
    batch = prof.decode_batch(notes)
    single = np.vstack([prof.decode(n).gyr for n in notes])
    np.testing.assert_array_equal(batch.gyr, single)
    mixed = notes + [smarttouch_imu.encode_notification(20, 0, 100, np.zeros((2, 3)), np.zeros((2, 3)))]
    assert len(prof.decode_batch(mixed)) == 82


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda b: b[:5], "shorter than the 11-byte header"),
        (lambda b: b"\x02" + b[1:], "unsupported version 2"),
        (lambda b: b[:1] + bytes([b[1] | 0x80]) + b[2:], "reserved flag bits"),
        (lambda b: b[:10] + b"\x00" + b[11:], "sample count 0"),
        (lambda b: b[:-1], "announces 2 samples"),
        (lambda b: b[:4] + b"\x00\x00" + b[6:], "sample rate 0 Hz"),
    ],
)
def test_smarttouch_imu_errors(mutate, pattern):
    good = smarttouch_imu.encode_notification(1, 0, 100, np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(DecodeError, match=pattern):
        get_profile("smarttouch-imu").decode(mutate(good))


def test_smarttouch_imu_config_round_trip_and_range_checks():
    cfg = smarttouch_imu.decode_config(smarttouch_imu.encode_config(200, 3, 1, 8, True))
    assert cfg["rate_hz"] == 200 and cfg["acc_range_g"] == 16.0 and cfg["gyr_range_dps"] == 500.0
    assert cfg["samples_per_notification"] == 8 and cfg["mag"] is True
    with pytest.raises(DecodeError, match="sample rate 5 Hz"):
        smarttouch_imu.decode_config(smarttouch_imu.encode_config(5))
    with pytest.raises(DecodeError, match="expected 6 bytes"):
        smarttouch_imu.decode_config(b"\x00")


# ----------------------------------------------------------------------------- fuzzing


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(sorted(PROFILES)), payload=st.binary(max_size=300))
def test_fuzz_decode_raises_only_decode_error(name, payload):
    prof = get_profile(name)
    try:
        out = prof.decode(payload)
    except DecodeError:
        return
    assert len(out) >= 1


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(PROFILES)), payloads=st.lists(st.binary(max_size=80), max_size=6))
def test_fuzz_batch_and_stream_raise_nothing_else(name, payloads):
    prof = get_profile(name)
    try:
        prof.decode_batch(payloads)
    except DecodeError:
        pass
    stream = prof.stream()
    for p in payloads:
        for uuid in prof.subscriptions():
            stream.feed(uuid, p)


@settings(max_examples=80, deadline=None)
@given(
    header=st.tuples(
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 65535),
        st.integers(0, 65535),
        st.integers(0, 2**32 - 1),
        st.integers(0, 255),
    ),
    body=st.binary(max_size=500),
)
def test_fuzz_smarttouch_imu_structured(header, body):
    try:
        get_profile("smarttouch-imu").decode(smarttouch_imu.HEADER.pack(*header) + body)
    except DecodeError:
        pass


@settings(max_examples=80, deadline=None)
@given(chunks=st.lists(st.binary(max_size=45), max_size=10))
def test_fuzz_witmotion_parser_never_raises_and_stays_small(chunks):
    parser = WitMotionParser()
    for c in chunks:
        parser.feed(c)
        assert parser.pending < witmotion.PACKET_SIZE


def test_profile_for_service_skips_heart_rate_for_an_imu_source():
    from smarttouch.sensors.profiles import profile_for_service

    hr = heart_rate.HeartRate.service_uuid
    assert profile_for_service([hr]) is None
    assert profile_for_service([hr], kind="heart-rate").name == heart_rate.HeartRate.name
    assert profile_for_service([hr], kind=None).name == heart_rate.HeartRate.name
    assert profile_for_service([hr, thingy52.Thingy52Raw.service_uuid]).name == thingy52.Thingy52Raw.name
