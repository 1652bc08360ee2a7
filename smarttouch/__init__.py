"""SmartTouch: home motor rehabilitation with BLE wearables, motion games and a therapist hub.

The package has five rooms (see docs/architecture.md):

* ``smarttouch.sensors``    wearable input, device profiles, simulated/virtual/replayed motion
* ``smarttouch.scoring``    motion analysis: joint angles, reps, ROM, smoothness, tremor, progress
* ``smarttouch.games``      pygame persuasive mini-games and the patient's ``play`` app
* ``smarttouch.challenges`` challenge bundles, solution plugins, sandboxed evaluation
* ``smarttouch.platform``   the Flask hub: models, auth, web UI, REST API, its HTTP client
"""

__version__ = "0.1.0"
