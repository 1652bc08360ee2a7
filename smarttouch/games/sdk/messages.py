"""The games' small message catalogue, Italian and English.

The hub translates its pages with Flask-Babel; the games run without Flask, so their few
sentences live here. ``tr(key, lang, **values)`` formats one message; a missing key in a
language falls back to English, a key missing everywhere raises KeyError (caught by a test).

Sentences with a count go through ``ntr(key, n, lang, **values)``, which has gettext's
``ngettext`` semantics: each language declares its ``Plural-Forms`` expression (as a ``.po``
header does) and :data:`PLURALS` holds one form per plural category, so "1 repetition" and
"2 repetitions" (Italian "1 ripetizione", "2 ripetizioni") come out right.
"""

from __future__ import annotations

import gettext
import random
from collections.abc import Callable
from datetime import date
from functools import cache
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
        "instr.goal.counted": "Today's goal: {reps} ({sets})",
        "instr.start": "Starting in {seconds}... (press Enter or click to start now)",
        "instr.note": "From your therapist: {note}",
        "instr.message": "New message from your therapist: {message}",
        "instr.wait": "Press Enter, click, or keep still for 2 seconds to start",
        "instr.starting": "Keep still... starting",
        "instr.demo": "Watch, then do the same",
        "instr.sensor": "Sensor {place}",
        "place.upper-arm.left": "on your left upper arm",
        "place.upper-arm.right": "on your right upper arm",
        "place.upper-arm.both": "on one upper arm: both arms move together",
        "place.forearm.left": "on your left forearm",
        "place.forearm.right": "on your right forearm",
        "place.forearm.both": "on one forearm: both arms move together",
        "place.wrist.left": "on your left wrist",
        "place.wrist.right": "on your right wrist",
        "place.wrist.both": "on one wrist: both arms move together",
        "place.hand.left": "on the back of your left hand",
        "place.hand.right": "on the back of your right hand",
        "place.hand.both": "on the back of one hand: both hands move together",
        "place.thigh.left": "on your left thigh",
        "place.thigh.right": "on your right thigh",
        "place.thigh.both": "on one thigh: both legs work together",
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
        "rest.relax": "Relax your arm and breathe slowly.",
        "rest.relax.sts": "Stay seated and breathe slowly.",
        "rest.countdown": "seconds to the next set",
        "rest.countdown.one": "second to the next set",
        "feedback.hold": "Hold it a little longer next time",
        "feedback.height": "A little higher next time",
        "feedback.follow": "Stay a little closer to the butterfly",
        "calib.done.sts": "Thank you! Now every time you stand up, your garden grows",
        "calib.reached.sts": "Stand up all the way, then sit down again",
        "summary.title": "Session complete",
        "summary.stopped": "Session stopped ({reason}). Thank you for trying.",
        "summary.reps.same": "The same as last time: steady work!",
        "summary.smooth.very": "Your movements were very smooth.",
        "summary.smooth.good": "Your movements were smooth.",
        "summary.smooth.fair": "Your movements were a bit jerky: try to move slowly and evenly.",
        "summary.badges": "Badges",
        "summary.chart": "Repetitions, last sessions",
        "summary.note": "Your therapist says: {note}",
        "summary.today": "today",
        "summary.first": "This is your first session: a great start!",
        "summary.first.game": "Your first time with this game and movement: a great start!",
        "summary.done": "Done",
        "summary.close": "Press Enter or click Done to close this window.",
        "summary.pain.advice": "Stop exercising for today and rest the sore part. If the pain is strong, "
        "or still there tomorrow, call your therapist or doctor before you play again.",
        "summary.pain.seen": "Your therapist will see that you stopped because of pain.",
        "summary.pain.tell": "Please tell your therapist that you stopped because of pain.",
        "summary.trophy": "Today: {trophy}",
        "summary.week.met": "This week's sessions are all done. Well done!",
        "badge.week_goal": "Week complete",
        "badge.weeks3": "3 weeks on plan",
        "feel.title.before": "How do you feel today?",
        "feel.title.after": "How do you feel now?",
        "feel.pain": "Pain: 0 = no pain, 10 = the worst pain you can imagine",
        "feel.effort": "Effort: 0 = nothing at all, 10 = the hardest you can imagine",
        "feel.pain.low": "no pain",
        "feel.pain.high": "worst pain",
        "feel.effort.low": "nothing at all",
        "feel.effort.high": "maximal",
        "feel.skip": "Skip",
        "feel.hint": "Click a number, or press its key (1 then 0 for 10). Arrows and Enter work too.",
        "feel.chosen": "You chose {value}: press Enter to confirm",
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
        "tracking.follow": "Close to the butterfly: {share}%",
        "tracking.faster": "Lovely following! A little faster now",
        "tracking.slower": "Slower now: take your time",
        "world.level": "Level {level}: {to_next} more points to the next {item}.",
        "world.levelup": "Level {level}! A new {item} in your world.",
        "challenge.good_reps": "Today's challenge: reach the target ({done} of {goal}).",
        "challenge.all_sets": "Today's challenge: finish today's sets ({done} of {goal}).",
        "challenge.done": "Today's challenge: done. Lovely work!",
        "progress.reset": "Your saved progress could not be read, so it starts again (a copy was kept).",
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
        "calib.neutral": "Appoggia il braccio nella posizione di partenza e resta immobile",
        "calib.neutral.sts": "Siediti comodamente sulla sedia e resta immobile",
        "calib.max": "Ora muoviti fin dove ti è comodo, poi torna indietro",
        "calib.max.sts": "Ora alzati lentamente, poi siediti di nuovo",
        "calib.hold": "Resta immobile... {seconds}",
        "calib.done": "Grazie! Il tuo movimento comodo: {rom} gradi",
        "calib.reached": "Raggiunto finora: {rom} gradi",
        "instr.goal": "Obiettivo di oggi: {reps} ripetizioni ({sets} serie da {per_set})",
        "instr.goal.counted": "Obiettivo di oggi: {reps} ({sets})",
        "instr.start": "Si parte tra {seconds}... (premi Invio o fai clic per iniziare subito)",
        "instr.note": "Dal tuo terapista: {note}",
        "instr.message": "Nuovo messaggio dal tuo terapista: {message}",
        "instr.wait": "Premi Invio, fai clic, o resta immobile 2 secondi per iniziare",
        "instr.starting": "Resta immobile... si parte",
        "instr.demo": "Guarda, poi fai lo stesso",
        "instr.sensor": "Sensore {place}",
        "place.upper-arm.left": "sul braccio sinistro, sopra il gomito",
        "place.upper-arm.right": "sul braccio destro, sopra il gomito",
        "place.upper-arm.both": "su un braccio, sopra il gomito: le due braccia si muovono insieme",
        "place.forearm.left": "sull'avambraccio sinistro",
        "place.forearm.right": "sull'avambraccio destro",
        "place.forearm.both": "su un avambraccio: le due braccia si muovono insieme",
        "place.wrist.left": "sul polso sinistro",
        "place.wrist.right": "sul polso destro",
        "place.wrist.both": "su un polso: le due braccia si muovono insieme",
        "place.hand.left": "sul dorso della mano sinistra",
        "place.hand.right": "sul dorso della mano destra",
        "place.hand.both": "sul dorso di una mano: le due mani si muovono insieme",
        "place.thigh.left": "sulla coscia sinistra",
        "place.thigh.right": "sulla coscia destra",
        "place.thigh.both": "su una coscia: le due gambe lavorano insieme",
        "play.set": "Serie {set} di {sets}",
        "play.reps": "{done} / {total}",
        "play.score": "Punti: {score}",
        "play.paused": "Sensore scollegato: aspettiamo che ritorni",
        "play.missed": "Quasi! Riprova",
        "play.ready": "Torna alla posizione di partenza, poi si parte!",
        "rest.title": "Ottimo lavoro! È il momento di riposare",
        "rest.body": "Rilassa il braccio e respira lentamente. Prossima serie tra {seconds} s",
        "rest.body.sts": "Resta sulla sedia e respira lentamente. Prossima serie tra {seconds} s",
        "rest.skip": "Premi Invio o fai clic per continuare",
        "rest.relax": "Rilassa il braccio e respira lentamente.",
        "rest.relax.sts": "Resta sulla sedia e respira lentamente.",
        "rest.countdown": "secondi alla prossima serie",
        "rest.countdown.one": "secondo alla prossima serie",
        "feedback.hold": "La prossima volta resta in alto un po' più a lungo",
        "feedback.height": "Un po' più in alto la prossima volta",
        "feedback.follow": "Resta un po' più vicino alla farfalla",
        "calib.done.sts": "Grazie! Ora ogni volta che ti alzi, il tuo giardino cresce",
        "calib.reached.sts": "Alzati del tutto, poi siediti di nuovo",
        "summary.title": "Sessione completata",
        "summary.stopped": "Sessione interrotta ({reason}). Grazie di averci provato.",
        "summary.reps.same": "Come l'ultima volta: ottima costanza!",
        "summary.smooth.very": "I tuoi movimenti erano molto fluidi.",
        "summary.smooth.good": "I tuoi movimenti erano fluidi.",
        "summary.smooth.fair": "I tuoi movimenti erano un po' a scatti: prova a muoverti piano e in modo regolare.",
        "summary.badges": "Medaglie",
        "summary.chart": "Ripetizioni, ultime sessioni",
        "summary.note": "Il tuo terapista dice: {note}",
        "summary.today": "oggi",
        "summary.first": "Questa è la tua prima sessione: un ottimo inizio!",
        "summary.first.game": "La prima volta con questo gioco e questo movimento: un ottimo inizio!",
        "summary.done": "Fine",
        "summary.close": "Premi Invio o fai clic su Fine per chiudere questa finestra.",
        "summary.pain.advice": "Per oggi smetti di fare esercizio e lascia riposare la parte che fa male. "
        "Se il dolore è forte, o c'è ancora domani, chiama il tuo terapista o il medico prima di giocare di nuovo.",
        "summary.pain.seen": "Il tuo terapista vedrà che hai interrotto la sessione per il dolore.",
        "summary.pain.tell": "Di' al tuo terapista che hai interrotto la sessione per il dolore.",
        "summary.trophy": "Oggi: {trophy}",
        "summary.week.met": "Le sessioni di questa settimana sono tutte fatte. Ottimo lavoro!",
        "badge.week_goal": "Settimana completa",
        "badge.weeks3": "3 settimane nel piano",
        "feel.title.before": "Come ti senti oggi?",
        "feel.title.after": "Come ti senti adesso?",
        "feel.pain": "Dolore: 0 = nessun dolore, 10 = il peggior dolore immaginabile",
        "feel.effort": "Fatica: 0 = nessuna, 10 = la più grande immaginabile",
        "feel.pain.low": "nessun dolore",
        "feel.pain.high": "dolore massimo",
        "feel.effort.low": "nessuna",
        "feel.effort.high": "massima",
        "feel.skip": "Salta",
        "feel.hint": "Fai clic su un numero, o premi il suo tasto (1 e poi 0 per 10). Vanno bene anche le frecce e Invio.",
        "feel.chosen": "Hai scelto {value}: premi Invio per confermare",
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
        "tracking.follow": "Vicino alla farfalla: {share}%",
        "tracking.faster": "Che bravura! Ora un po' più veloce",
        "tracking.slower": "Ora più piano: con calma",
        "world.level": "Livello {level}: mancano {to_next} punti al prossimo traguardo ({item}).",
        "world.levelup": "Livello {level}! Nel tuo mondo c'è una novità: {item}.",
        "challenge.good_reps": "Sfida di oggi: raggiungi il bersaglio ({done} su {goal}).",
        "challenge.all_sets": "Sfida di oggi: completa le serie di oggi ({done} su {goal}).",
        "challenge.done": "Sfida di oggi: superata. Ottimo lavoro!",
        "progress.reset": "Non è stato possibile leggere i tuoi progressi salvati: si riparte da capo (una copia è stata conservata).",
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
        "Ottimo!",
        "Eccellente!",
    ),
}

ENCOURAGE: dict[str, tuple[str, ...]] = {
    "en": ("Almost there!", "Good try!", "Keep going!", "Nearly!"),
    "it": ("Ci sei quasi!", "Buon tentativo!", "Avanti così!", "Quasi!"),
}


#: Each language's ``Plural-Forms`` header, as in a gettext ``.po`` file.
PLURAL_FORMS: dict[str, str] = {
    "en": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
}

#: Messages with a count: key -> language -> one form per plural category (``{n}`` is the count).
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "summary.reps": {
        "en": ("You did {n} repetition today.", "You did {n} repetitions today."),
        "it": ("Oggi hai fatto {n} ripetizione.", "Oggi hai fatto {n} ripetizioni."),
    },
    "summary.reps.more": {
        "en": ("That is {n} more than last time.", "That is {n} more than last time."),
        "it": ("È {n} in più dell'ultima volta.", "Sono {n} in più dell'ultima volta."),
    },
    "summary.reps.less": {
        "en": (
            "That is {n} fewer than last time: that's fine, every session counts.",
            "That is {n} fewer than last time: that's fine, every session counts.",
        ),
        "it": (
            "È {n} in meno dell'ultima volta: va bene, ogni sessione conta.",
            "Sono {n} in meno dell'ultima volta: va bene, ogni sessione conta.",
        ),
    },
    "summary.rom": {
        "en": ("Your widest movement was {n} degree.", "Your widest movement was {n} degrees."),
        "it": (
            "Il tuo movimento più ampio è stato di {n} grado.",
            "Il tuo movimento più ampio è stato di {n} gradi.",
        ),
    },
    "summary.rom.better": {
        "en": ("Wider than last time ({n} degree).", "Wider than last time ({n} degrees)."),
        "it": ("Più ampio dell'ultima volta ({n} grado).", "Più ampio dell'ultima volta ({n} gradi)."),
    },
    "summary.rom.worse": {
        "en": (
            "A little narrower than last time ({n} degree).",
            "A little narrower than last time ({n} degrees).",
        ),
        "it": (
            "Un po' meno ampio dell'ultima volta ({n} grado).",
            "Un po' meno ampio dell'ultima volta ({n} gradi).",
        ),
    },
    "summary.streak.weeks": {
        "en": ("Weeks in a row on your plan: {n}", "Weeks in a row on your plan: {n}"),
        "it": ("Settimane di fila nel tuo piano: {n}", "Settimane di fila nel tuo piano: {n}"),
    },
    "summary.week": {
        "en": ("This week: {done} of {n} session", "This week: {done} of {n} sessions"),
        "it": ("Questa settimana: {done} sessione su {n}", "Questa settimana: {done} sessioni su {n}"),
    },
    "calib.done.n": {
        "en": (
            "Thank you! Your comfortable range: {n} degree",
            "Thank you! Your comfortable range: {n} degrees",
        ),
        "it": ("Grazie! Il tuo movimento comodo: {n} grado", "Grazie! Il tuo movimento comodo: {n} gradi"),
    },
    "calib.reached.n": {
        "en": ("Reached so far: {n} degree", "Reached so far: {n} degrees"),
        "it": ("Raggiunto finora: {n} grado", "Raggiunto finora: {n} gradi"),
    },
    "count.reps": {
        "en": ("{n} repetition", "{n} repetitions"),
        "it": ("{n} ripetizione", "{n} ripetizioni"),
    },
    "count.sets": {
        "en": ("{n} set of {per_set}", "{n} sets of {per_set}"),
        "it": ("{n} serie da {per_set}", "{n} serie da {per_set}"),
    },
    "summary.sessions": {
        "en": ("Sessions this week: {n}", "Sessions this week: {n}"),
        "it": ("Sessioni questa settimana: {n}", "Sessioni questa settimana: {n}"),
    },
}


@cache
def _plural_rule(lang: str) -> Callable[[int], int]:
    """The plural-category function of ``lang`` from its Plural-Forms expression (gettext's
    own parser, the one ``GNUTranslations.ngettext`` uses)."""
    header = PLURAL_FORMS.get(lang, PLURAL_FORMS["en"])
    expression = header.split("plural=", 1)[1].rstrip(";").strip()
    rule: Callable[[int], int] = gettext.c2py(expression)
    return rule


def plural_index(n: int, lang: str = "en") -> int:
    """The plural category of the count ``n`` in ``lang`` (0 = singular in en/it)."""
    return int(_plural_rule(lang if lang in PLURAL_FORMS else "en")(abs(int(n))))


def ntr(key: str, n: int, lang: str = "en", **values: Any) -> str:
    """``ngettext`` for the games: the form of ``key`` for the count ``n`` in ``lang``
    (falling back to English), formatted with ``n`` and ``values``."""
    forms = PLURALS[key]
    lang = lang if lang in forms else "en"
    chosen = forms[lang]
    text = chosen[min(plural_index(n, lang), len(chosen) - 1)]
    return text.format(n=n, **values)


def plural_of(forms: dict[str, tuple[str, ...]], n: int, lang: str = "en") -> str:
    """The form for ``n`` of caller-supplied plural ``forms`` (e.g. a game's trophy)."""
    lang = lang if lang in forms else "en" if "en" in forms else next(iter(forms))
    chosen = forms[lang]
    return chosen[min(plural_index(n, lang), len(chosen) - 1)].format(n=n)


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: date, lang: str = "en") -> str:
    """Day and month as the patient reads them: Italian "03/12" (DD/MM), English "3 Dec"
    (the month named, so it is never mistaken for MM/DD)."""
    if lang == "it":
        return f"{day.day:02d}/{day.month:02d}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]}"


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
