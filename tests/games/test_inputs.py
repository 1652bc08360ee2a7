"""Input devices: keyboard preview, rep hysteresis, recording playback on the session clock."""

from __future__ import annotations

import pygame

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.inputs import KeyboardInput, RecordingInput, RepHysteresis
from smarttouch.games.session.sensors import simulate_targets


def test_rep_hysteresis_counts_a_rise_and_return() -> None:
    det = RepHysteresis()
    events = []
    for i, p in enumerate([0.0, 0.1, 0.3, 0.8, 0.6, 0.2, 0.05, 0.0]):
        events += det.update(i * 0.5, p, 10.0, 100.0)
    assert [e.kind for e in events] == ["started", "completed"]
    assert events[1].rom_deg == 80.0 and events[1].duration_s == 2.0


def test_keyboard_preview_moves_with_the_arrow_key() -> None:
    kb = KeyboardInput(rom_deg=90.0, speed=1.0)
    kb.poll(0.0)
    kb.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_UP, mod=0, unicode="", scancode=0))
    states = [kb.poll(t / 60) for t in range(1, 61)]
    assert states[-1].position > 0.9 and states[-1].angle_deg > 80
    kb.handle_event(pygame.event.Event(pygame.KEYUP, key=pygame.K_UP, mod=0, unicode="", scancode=0))
    states += [kb.poll(1 + t / 60) for t in range(1, 121)]
    kinds = [e.kind for s in states for e in s.events]
    assert kinds == ["started", "completed"] and states[-1].position == 0.0
    kb.handle_event(pygame.event.Event(pygame.MOUSEMOTION, pos=(10, 180), rel=(0, 0), buttons=(0, 0, 0)))
    assert [kb.poll(3 + t / 60).position for t in range(1, 60)][-1] > 0.7


def test_recording_input_feeds_every_sample_once_in_time_order() -> None:
    sim = simulate_targets(PlanTargets(), "shoulder_flexion", reps=2, seed=1)
    dev = RecordingInput(sim.recording, "shoulder_flexion", chunk=4)
    t = 0.0
    while not dev.exhausted:
        t += 1 / 60
        state = dev.poll(t)
        assert state.t <= t + 1e-9
    rec = dev.recording()
    assert len(rec) == len(sim.recording) and (rec.t == sim.recording.t).all()
    assert dev.tracker.reps and len(dev.tracker.reps) == 2


class _FakeLiveSource:
    """Hands out a recording's samples in notification-sized batches, on a device clock offset by 1000 s."""

    def __init__(self, recording, per_poll: int = 3, size: int = 5):
        self.batches = [b for b in recording.batches(size)]
        self.per_poll = per_poll
        self.connected = False
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = self.connected = True

    def poll(self):
        from smarttouch.sensors.types import ImuBatch

        out, self.batches = self.batches[: self.per_poll], self.batches[self.per_poll :]
        return [ImuBatch(b.t + 1000.0, b.acc, b.gyr) for b in out]

    def stop(self) -> None:
        self.stopped, self.connected = True, False


def test_source_input_rebases_time_and_keeps_the_recording() -> None:
    from smarttouch.games.session.inputs import SourceInput

    sim = simulate_targets(PlanTargets(), "shoulder_flexion", reps=2, seed=3)
    src = _FakeLiveSource(sim.recording)
    dev = SourceInput(src, "shoulder_flexion", 100.0, device="fake")
    assert not dev.poll(0.0).connected  # nothing arrived yet
    dev.start()
    states = []
    while src.batches:
        states.append(dev.poll(0.0))
    dev.stop()
    assert src.started and src.stopped and states[-1].connected
    assert states[0].t < 1.0  # the session's clock starts at the first sample
    rec = dev.recording()
    assert len(rec) == len(sim.recording) and abs(rec.t[0]) < 1e-12 and rec.device == "fake"
    assert sum(1 for s in states for e in s.events if e.kind == "completed") == 2
