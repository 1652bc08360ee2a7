"""The games' small message catalogue, Italian and English.

The hub translates its pages with Flask-Babel; the games run without Flask, so their few
sentences live here. ``tr(key, lang, **values)`` formats one message; a missing key in a
language falls back to English, a key missing everywhere raises KeyError (caught by a test).
"""

from __future__ import annotations

import random
from typing import Any

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "SmartTouch",
        "stop.button": "Stop",
        "stop.title": "Why do you want to stop?",
        "stop.pain": "Pain",
        "stop.fatigue": "Tired",
        "stop.other": "Other reason",
        "stop.resume": "Keep playing",
        "stop.saved": "Session saved. Take care of yourself.",
        "calib.title": "Let's get ready",
        "calib.neutral": "Rest your arm in the starting position and keep still",
        "calib.neutral.sts": "Sit comfortably on the chair and keep still",
        "calib.max": "Now move as far as is comfortable, then come back",
        "calib.max.sts": "Now stand up slowly, then sit down again",
        "calib.hold": "Keep still... {seconds}",
        "calib.done": "Thank you! Your comfortable range: {rom} degrees",
        "calib.reached": "Reached so far: {rom} degrees",
        "instr.goal": "Today's goal: {reps} repetitions ({sets} sets of {per_set})",
        "instr.start": "Starting in {seconds}... (press Enter or click to start now)",
        "instr.note": "From your therapist: {note}",
        "instr.message": "New message from your therapist: {message}",
        "play.set": "Set {set} of {sets}",
        "play.reps": "{done} / {total}",
        "play.score": "Points: {score}",
        "play.paused": "Sensor disconnected: waiting for it to come back",
        "play.missed": "Almost! Try again",
        "play.ready": "Back to the start position, then off you go!",
        "rest.title": "Well done! Time for a rest",
        "rest.body": "Relax your arm and breathe slowly. Next set in {seconds} s",
        "rest.body.sts": "Stay seated and breathe slowly. Next set in {seconds} s",
        "rest.skip": "Press Enter or click when you are ready",
        "summary.title": "Session complete",
        "summary.stopped": "Session stopped ({reason}). Thank you for trying.",
        "summary.reps": "You did {reps} repetitions today.",
        "summary.reps.more": "That is {diff} more than last time.",
        "summary.reps.less": "That is {diff} fewer than last time: that's fine, every session counts.",
        "summary.reps.same": "The same as last time: steady work!",
        "summary.rom": "Your widest movement was {rom} degrees.",
        "summary.rom.better": "Wider than last time ({prev} degrees).",
        "summary.rom.worse": "A little narrower than last time ({prev} degrees).",
        "summary.smooth.very": "Your movements were very smooth.",
        "summary.smooth.good": "Your movements were smooth.",
        "summary.smooth.fair": "Your movements were a bit jerky: try to move slowly and evenly.",
        "summary.streak": "Active days in a row: {days}",
        "summary.badges": "Badges",
        "summary.chart": "Repetitions, last sessions",
        "summary.note": "Your therapist says: {note}",
        "summary.today": "today",
        "summary.first": "This is your first session: a great start!",
        "badge.first": "First session",
        "badge.goal": "Goal reached",
        "badge.streak3": "3 days in a row",
        "badge.streak7": "A whole week",
        "badge.reps100": "100 repetitions",
        "badge.best_rom": "Personal best range",
        "badge.accurate": "Sharp shooter",
        "reason.pain": "pain",
        "reason.fatigue": "tiredness",
        "reason.other": "other reason",
        "reason.completed": "completed",
        "reason.time_limit": "time limit",
        "reason.disconnected": "sensor lost",
        "picker.title": "Choose your sensor",
        "picker.scanning": "Looking for your sensor: switch it on and keep it close",
        "picker.found": "Found nearby: press its button, or its number on the keyboard",
        "picker.none": "No sensor found. Switch it on, keep it close, then press Scan again",
        "picker.no_adapter": "This computer's Bluetooth is off or missing. You can still practise with the keyboard",
        "picker.error": "The search did not work ({error}). Try again, or practise with the keyboard",
        "picker.device": "{name}   signal {bars}",
        "picker.rescan": "Scan again",
        "picker.keyboard": "Play without a sensor (practice with the keyboard)",
        "units.deg": "degrees",
    },
    "it": {
        "app.title": "SmartTouch",
        "stop.button": "Stop",
        "stop.title": "Perché vuoi fermarti?",
        "stop.pain": "Dolore",
        "stop.fatigue": "Stanchezza",
        "stop.other": "Altro motivo",
        "stop.resume": "Continua a giocare",
        "stop.saved": "Sessione salvata. Abbi cura di te.",
        "calib.title": "Prepariamoci",
        "calib.neutral": "Appoggia il braccio nella posizione di partenza e resta fermo",
        "calib.neutral.sts": "Siediti comodo sulla sedia e resta fermo",
        "calib.max": "Ora muoviti fin dove ti è comodo, poi torna indietro",
        "calib.max.sts": "Ora alzati lentamente, poi siediti di nuovo",
        "calib.hold": "Resta fermo... {seconds}",
        "calib.done": "Grazie! Il tuo movimento comodo: {rom} gradi",
        "calib.reached": "Raggiunto finora: {rom} gradi",
        "instr.goal": "Obiettivo di oggi: {reps} ripetizioni ({sets} serie da {per_set})",
        "instr.start": "Si parte tra {seconds}... (premi Invio o fai clic per iniziare subito)",
        "instr.note": "Dal tuo terapista: {note}",
        "instr.message": "Nuovo messaggio dal tuo terapista: {message}",
        "play.set": "Serie {set} di {sets}",
        "play.reps": "{done} / {total}",
        "play.score": "Punti: {score}",
        "play.paused": "Sensore scollegato: aspettiamo che ritorni",
        "play.missed": "Quasi! Riprova",
        "play.ready": "Torna alla posizione di partenza, poi si parte!",
        "rest.title": "Bravo! È il momento di riposare",
        "rest.body": "Rilassa il braccio e respira lentamente. Prossima serie tra {seconds} s",
        "rest.body.sts": "Resta seduto e respira lentamente. Prossima serie tra {seconds} s",
        "rest.skip": "Premi Invio o fai clic quando sei pronto",
        "summary.title": "Sessione completata",
        "summary.stopped": "Sessione interrotta ({reason}). Grazie di averci provato.",
        "summary.reps": "Oggi hai fatto {reps} ripetizioni.",
        "summary.reps.more": "Sono {diff} in più dell'ultima volta.",
        "summary.reps.less": "Sono {diff} in meno dell'ultima volta: va bene, ogni sessione conta.",
        "summary.reps.same": "Come l'ultima volta: ottima costanza!",
        "summary.rom": "Il tuo movimento più ampio è stato di {rom} gradi.",
        "summary.rom.better": "Più ampio dell'ultima volta ({prev} gradi).",
        "summary.rom.worse": "Un po' meno ampio dell'ultima volta ({prev} gradi).",
        "summary.smooth.very": "I tuoi movimenti erano molto fluidi.",
        "summary.smooth.good": "I tuoi movimenti erano fluidi.",
        "summary.smooth.fair": "I tuoi movimenti erano un po' a scatti: prova a muoverti piano e in modo regolare.",
        "summary.streak": "Giorni attivi di fila: {days}",
        "summary.badges": "Medaglie",
        "summary.chart": "Ripetizioni, ultime sessioni",
        "summary.note": "Il tuo terapista dice: {note}",
        "summary.today": "oggi",
        "summary.first": "Questa è la tua prima sessione: un ottimo inizio!",
        "badge.first": "Prima sessione",
        "badge.goal": "Obiettivo raggiunto",
        "badge.streak3": "3 giorni di fila",
        "badge.streak7": "Una settimana intera",
        "badge.reps100": "100 ripetizioni",
        "badge.best_rom": "Record di ampiezza",
        "badge.accurate": "Mira perfetta",
        "reason.pain": "dolore",
        "reason.fatigue": "stanchezza",
        "reason.other": "altro motivo",
        "reason.completed": "completata",
        "reason.time_limit": "tempo scaduto",
        "reason.disconnected": "sensore perso",
        "picker.title": "Scegli il tuo sensore",
        "picker.scanning": "Cerco il tuo sensore: accendilo e tienilo vicino",
        "picker.found": "Trovato qui vicino: premi il suo pulsante, o il suo numero sulla tastiera",
        "picker.none": "Nessun sensore trovato. Accendilo, tienilo vicino, poi premi Cerca di nuovo",
        "picker.no_adapter": "Il Bluetooth di questo computer è spento o assente. Puoi comunque esercitarti con la tastiera",
        "picker.error": "La ricerca non è riuscita ({error}). Riprova, o esercitati con la tastiera",
        "picker.device": "{name}   segnale {bars}",
        "picker.rescan": "Cerca di nuovo",
        "picker.keyboard": "Gioca senza sensore (esercizio con la tastiera)",
        "units.deg": "gradi",
    },
}

PRAISE: dict[str, tuple[str, ...]] = {
    "en": (
        "Great!",
        "Well done!",
        "Lovely movement!",
        "Keep it up!",
        "Fantastic!",
        "Nice and steady!",
        "Super!",
        "You're doing great!",
        "Brilliant!",
        "Excellent!",
    ),
    "it": (
        "Ottimo!",
        "Ben fatto!",
        "Bel movimento!",
        "Continua così!",
        "Fantastico!",
        "Bello e regolare!",
        "Super!",
        "Stai andando benissimo!",
        "Bravissimo!",
        "Eccellente!",
    ),
}

ENCOURAGE: dict[str, tuple[str, ...]] = {
    "en": ("Almost there!", "Good try!", "A little higher next time", "Nearly!"),
    "it": ("Ci sei quasi!", "Buon tentativo!", "Un po' più in alto la prossima volta", "Quasi!"),
}


def tr(key: str, lang: str = "en", **values: Any) -> str:
    """The message ``key`` in ``lang`` (falling back to English), formatted with ``values``."""
    table = CATALOGUE.get(lang, CATALOGUE["en"])
    text = table.get(key)
    if text is None:
        text = CATALOGUE["en"][key]
    return text.format(**values) if values else text


class PraisePicker:
    """Varied praise: never the same phrase twice in a row, cycling through all of them."""

    def __init__(
        self, lang: str, rng: random.Random | None = None, phrases: dict[str, tuple[str, ...]] = PRAISE
    ):
        self._phrases = list(phrases.get(lang, phrases["en"]))
        self._rng = rng or random.Random(0)
        self._bag: list[str] = []
        self._last = ""

    def next(self) -> str:
        if not self._bag:
            self._bag = self._phrases[:]
            self._rng.shuffle(self._bag)
            if len(self._bag) > 1 and self._bag[-1] == self._last:
                self._bag[0], self._bag[-1] = self._bag[-1], self._bag[0]
        self._last = self._bag.pop()
        return self._last
