"""WitMotion BWT901BLE (BLE 5.0) default data packet ``0x55 0x61``.

Source of the layout: WitMotion "BWT901BLE5.0 / WT901BLE communication protocol" (module to
host computer, flag 0x61), https://wit-motion.yuque.com/wumwnr/docs/gpare3 and the vendor
sample code github.com/WITMOTION/WitBluetooth_BWT901BLE5_0. One packet is 20 bytes::

    0x55 0x61 axL axH ayL ayH azL azH wxL wxH wyL wyH wzL wzH
              RollL RollH PitchL PitchH YawL YawH

int16 little-endian; acceleration = raw / 32768 * 16 g, angular rate = raw / 32768 * 2000
deg/s, angle = raw / 32768 * 180 degrees. There is no checksum in the BLE packet. Register
replies (flag ``0x71``, also 20 bytes) share the channel and are skipped. The device sends on
characteristic FFE4 of service FFE5; packets may be split across notifications or several
may share one, so decoding is a streaming parser that resynchronises on ``0x55 0x61``.
"""

from __future__ import annotations

import numpy as np

from smarttouch.sensors.profiles.base import (
    Decoded,
    DecodeError,
    DeviceProfile,
    ImuSamples,
    StreamDecoder,
    _as_bytes,
    quat_from_euler_deg,
)
from smarttouch.sensors.profiles.registry import register_profile

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9b34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9b34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9b34fb"

HEADER = 0x55
FLAG_DATA = 0x61
FLAG_REGISTER = 0x71
PACKET_SIZE = 20
ACC_SCALE = 16.0 / 32768.0
GYR_SCALE = 2000.0 / 32768.0
ANGLE_SCALE = 180.0 / 32768.0


def encode_packets(acc: np.ndarray, gyr: np.ndarray, euler_deg: np.ndarray) -> bytes:
    """Concatenated 0x55 0x61 packets for n samples (saturating to the int16 range)."""
    cols = [
        np.asarray(acc, dtype=np.float64).reshape(-1, 3) / ACC_SCALE,
        np.asarray(gyr, dtype=np.float64).reshape(-1, 3) / GYR_SCALE,
        np.asarray(euler_deg, dtype=np.float64).reshape(-1, 3) / ANGLE_SCALE,
    ]
    body = np.clip(np.round(np.hstack(cols)), -32768, 32767).astype("<i2")
    out = bytearray()
    for row in body:
        out += bytes((HEADER, FLAG_DATA)) + row.tobytes()
    return bytes(out)


def _samples(bodies: np.ndarray) -> ImuSamples:
    v = bodies.astype(np.float64)
    return ImuSamples(acc=v[:, 0:3] * ACC_SCALE, gyr=v[:, 3:6] * GYR_SCALE, euler_deg=v[:, 6:9] * ANGLE_SCALE)


class WitMotionParser:
    """Streaming parser: feed bytes as they arrive, get the complete packets' samples.

    Bytes that cannot start a packet are skipped and counted in ``garbage_bytes``; register
    replies are counted in ``register_packets``. The internal buffer never exceeds one packet.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.garbage_bytes = 0
        self.register_packets = 0
        self.packets = 0

    def feed(self, data: bytes) -> ImuSamples:
        buf = self._buf
        buf += data
        bodies: list[bytes] = []
        i = 0
        n = len(buf)
        while i < n:
            if buf[i] != HEADER:
                j = buf.find(HEADER, i)
                if j < 0:
                    self.garbage_bytes += n - i
                    i = n
                    break
                self.garbage_bytes += j - i
                i = j
            if i + 1 >= n:
                break  # a lone 0x55 at the end: wait for the flag byte
            flag = buf[i + 1]
            if flag not in (FLAG_DATA, FLAG_REGISTER):
                self.garbage_bytes += 1
                i += 1
                continue
            if i + PACKET_SIZE > n:
                break  # incomplete packet: wait for the rest
            if flag == FLAG_DATA:
                bodies.append(bytes(buf[i + 2 : i + PACKET_SIZE]))
                self.packets += 1
            else:
                self.register_packets += 1
            i += PACKET_SIZE
        del buf[:i]
        if not bodies:
            return ImuSamples()
        return _samples(np.frombuffer(b"".join(bodies), dtype="<i2").reshape(-1, 9))

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a packet."""
        return len(self._buf)


class _WitStream(StreamDecoder):
    def __init__(self, profile: WitMotion) -> None:
        super().__init__(profile)
        self.parser = WitMotionParser()

    def feed(self, char_uuid: str, payload: bytes) -> Decoded | None:
        samples = self.parser.feed(bytes(payload))
        if not len(samples) or samples.euler_deg is None:
            return None
        return ImuSamples(
            acc=samples.acc,
            gyr=samples.gyr,
            euler_deg=samples.euler_deg,
            quat=quat_from_euler_deg(samples.euler_deg),
        )


@register_profile
class WitMotion(DeviceProfile):
    """WitMotion BWT901BLE acceleration, angular rate and angles (0x55 0x61 packets)."""

    name = "witmotion"
    title = "WitMotion BWT901BLE 0x55 0x61 packets (FFE4)"
    service_uuid = SERVICE_UUID
    data_uuid = NOTIFY_UUID
    nominal_rate_hz = 10.0  # factory default return rate; configurable up to 200 Hz

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        """Decode every complete packet in one self-contained payload.

        Raises:
            DecodeError: no complete 0x55 0x61 packet, or bytes left over after the packets.
        """
        data = _as_bytes(payload, self.name)
        parser = WitMotionParser()
        samples = parser.feed(data)
        if parser.garbage_bytes or parser.pending:
            raise DecodeError(
                f"{self.name}: {parser.garbage_bytes + parser.pending} of {len(data)} bytes are "
                f"not part of a complete 20-byte 0x55 0x61 packet"
            )
        if not len(samples):
            raise DecodeError(f"{self.name}: no 0x55 0x61 data packet in {len(data)} bytes")
        return samples

    def stream(self) -> StreamDecoder:
        return _WitStream(self)
