"""Bluetooth SIG Heart Rate Measurement (characteristic 0x2A37 of service 0x180D).

Source of the layout: Bluetooth SIG "Heart Rate Service 1.0" specification, section 3.1 and
the GATT Specification Supplement, "Heart Rate Measurement". Flags byte::

    bit 0   heart rate value format: 0 = uint8, 1 = uint16
    bit 1   sensor contact detected (meaningful only when bit 2 is set)
    bit 2   sensor contact feature supported
    bit 3   energy expended present (uint16, kilojoules)
    bit 4   RR intervals present (uint16 each, 1/1024 s, oldest first, to the end)
    bits 5-7 reserved for future use (ignored)

All multi-byte fields little-endian.
"""

from __future__ import annotations

from smarttouch.sensors.profiles.base import (
    DecodeError,
    DeviceProfile,
    HeartRateMeasurement,
    _as_bytes,
)
from smarttouch.sensors.profiles.registry import register_profile

SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"

FLAG_UINT16 = 0x01
FLAG_CONTACT_DETECTED = 0x02
FLAG_CONTACT_SUPPORTED = 0x04
FLAG_ENERGY = 0x08
FLAG_RR = 0x10


def encode_measurement(
    bpm: int,
    rr_s: tuple[float, ...] = (),
    energy_kj: int | None = None,
    contact: bool | None = None,
    uint16: bool | None = None,
) -> bytes:
    """Build a 0x2A37 value (uint16 format when bpm > 255 or asked for)."""
    wide = bpm > 255 if uint16 is None else uint16
    flags = (FLAG_UINT16 if wide else 0) | (FLAG_ENERGY if energy_kj is not None else 0)
    if contact is not None:
        flags |= FLAG_CONTACT_SUPPORTED | (FLAG_CONTACT_DETECTED if contact else 0)
    if rr_s:
        flags |= FLAG_RR
    out = bytearray([flags])
    out += bpm.to_bytes(2 if wide else 1, "little")
    if energy_kj is not None:
        out += energy_kj.to_bytes(2, "little")
    for rr in rr_s:
        out += int(round(rr * 1024)).to_bytes(2, "little")
    return bytes(out)


@register_profile
class HeartRate(DeviceProfile):
    """Heart rate, RR intervals, energy expended and skin contact from any standard HR strap."""

    name = "heart-rate"
    title = "Bluetooth SIG Heart Rate Measurement (0x2A37)"
    kind = "heart-rate"
    service_uuid = SERVICE_UUID
    data_uuid = MEASUREMENT_UUID
    nominal_rate_hz = 1.0

    def decode(self, payload: bytes | bytearray | memoryview) -> HeartRateMeasurement:
        data = _as_bytes(payload, self.name)
        if not data:
            raise DecodeError(f"{self.name}: empty payload (expected a flags byte)")
        flags = data[0]
        pos = 1
        width = 2 if flags & FLAG_UINT16 else 1
        if len(data) < pos + width:
            raise DecodeError(
                f"{self.name}: flags 0x{flags:02x} announce a uint{8 * width} heart rate but "
                f"the payload has {len(data)} bytes"
            )
        bpm = int.from_bytes(data[pos : pos + width], "little")
        pos += width
        energy = None
        if flags & FLAG_ENERGY:
            if len(data) < pos + 2:
                raise DecodeError(
                    f"{self.name}: flags 0x{flags:02x} announce energy expended (2 bytes at "
                    f"offset {pos}) but the payload has {len(data)} bytes"
                )
            energy = int.from_bytes(data[pos : pos + 2], "little")
            pos += 2
        rr: tuple[float, ...] = ()
        rest = data[pos:]
        if flags & FLAG_RR:
            if len(rest) % 2:
                raise DecodeError(
                    f"{self.name}: RR intervals must be whole uint16 values, {len(rest)} bytes "
                    f"left at offset {pos}"
                )
            rr = tuple(int.from_bytes(rest[i : i + 2], "little") / 1024.0 for i in range(0, len(rest), 2))
        elif rest:
            raise DecodeError(
                f"{self.name}: {len(rest)} unexpected trailing bytes at offset {pos} "
                f"(flags 0x{flags:02x} announce no RR intervals)"
            )
        contact = bool(flags & FLAG_CONTACT_DETECTED) if flags & FLAG_CONTACT_SUPPORTED else None
        return HeartRateMeasurement(heart_rate_bpm=bpm, rr_s=rr, energy_kj=energy, contact=contact)
