"""Code systems, units and the session-metric registry used by the FHIR export.

Standard codes are used only where a concept truly exists in the terminology:

* LOINC 55411-3 "Exercise duration" (as used by HL7's Physical Activity IG),
* SNOMED CT 364564000 "Range of joint movement (observable entity)",
* LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported" for the
  patient's pain rating (the code HL7 Europe's patient-summary examples use for a 0-10 pain
  score, hl7-eu/eps).

No LOINC code for a Borg CR10 rating of perceived exertion was found (searches of LOINC-coded
FHIR material turned up Borg scales only as 6-minute-walk-test items for dyspnoea and fatigue,
not exertion of an exercise session), so the effort rating is coded in the SmartTouch
session-metric system (``effort-borg-cr10``); its ``method`` names the scale with DICOM's code
DCM 122735 "Borg CR10 Scale" (DICOM PS3.16 CID 3239 "Perceived Exertion Scale", as published
in bvdh/dicom-terminology-in-fhir).

Everything SmartTouch-specific (repetition count, SPARC, LDLJ, tremor measures, activities,
movements, sensor profiles) is coded in SmartTouch code systems under :data:`DEFAULT_BASE`
(documented in ``docs/fhir.md``). Units are UCUM (``http://unitsofmeasure.org``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

#: Canonical base of SmartTouch code and naming systems. A hub may override it with the
#: ``FHIR_BASE_URL`` config key; ``.invalid`` (RFC 2606) marks it as not yet registered.
DEFAULT_BASE = "https://smarttouch.invalid/fhir"


@dataclass(frozen=True)
class Systems:
    """The SmartTouch URIs derived from one base."""

    base: str

    @property
    def patient_code(self) -> str:
        return f"{self.base}/NamingSystem/patient-code"

    @property
    def export_id(self) -> str:
        return f"{self.base}/NamingSystem/export"

    @property
    def metric(self) -> str:
        return f"{self.base}/CodeSystem/session-metric"

    @property
    def activity(self) -> str:
        return f"{self.base}/CodeSystem/activity"

    @property
    def movement(self) -> str:
        return f"{self.base}/CodeSystem/movement"

    @property
    def sensor_profile(self) -> str:
        return f"{self.base}/CodeSystem/sensor-profile"

    @property
    def analyzer(self) -> str:
        return f"{self.base}/CodeSystem/analyzer"

    @property
    def device_kind(self) -> str:
        return f"{self.base}/CodeSystem/device-kind"


@dataclass(frozen=True)
class Unit:
    """A UCUM unit: ``code`` is the UCUM expression, ``display`` the human unit text."""

    code: str
    display: str


DEGREES = Unit("deg", "deg")
DEGREES_PER_SECOND = Unit("deg/s", "deg/s")
SECONDS = Unit("s", "s")
HERTZ = Unit("Hz", "Hz")
DIMENSIONLESS = Unit("1", "1")
REPETITIONS = Unit("{repetitions}", "repetitions")
SCORE = Unit("{score}", "score")


@dataclass(frozen=True)
class MetricCode:
    """How one :class:`~smarttouch.platform.models.SessionMetricsRecord` column becomes an
    Observation: its SmartTouch code, optional standard codings, unit and value type."""

    key: str
    attribute: str
    display: str
    unit: Unit
    integer: bool = False
    standard: tuple[tuple[str, str, str], ...] = ()  # (system, code, display)
    per_movement: bool = False  # the display names the movement, e.g. ROM of shoulder flexion

    def codings(self, systems: Systems) -> list[dict[str, Any]]:
        out = [{"system": s, "code": c, "display": d} for s, c, d in self.standard]
        out.append({"system": systems.metric, "code": self.key, "display": self.display})
        return out


_ROM_SNOMED = (SNOMED, "364564000", "Range of joint movement (observable entity)")
_DURATION_LOINC = (LOINC, "55411-3", "Exercise duration")

#: Session metrics exported as Observations, by SmartTouch code (the registry).
METRICS: dict[str, MetricCode] = {
    m.key: m
    for m in (
        MetricCode("reps", "reps", "Repetitions completed", REPETITIONS, integer=True, per_movement=True),
        MetricCode(
            "rom-max",
            "rom_deg",
            "Range of motion, largest repetition",
            DEGREES,
            standard=(_ROM_SNOMED,),
            per_movement=True,
        ),
        MetricCode(
            "rom-mean", "rom_deg_mean", "Range of motion, mean of repetitions", DEGREES, per_movement=True
        ),
        MetricCode("peak-angular-speed", "peak_speed_dps", "Peak angular speed", DEGREES_PER_SECOND),
        MetricCode("sparc", "sparc", "Movement smoothness, SPARC (closer to 0 is smoother)", DIMENSIONLESS),
        MetricCode("ldlj", "ldlj", "Movement smoothness, log dimensionless jerk", DIMENSIONLESS),
        MetricCode(
            "tremor-power-ratio",
            "tremor_power_ratio",
            "Tremor power ratio, 3-7 Hz band over total movement power",
            DIMENSIONLESS,
        ),
        MetricCode("tremor-frequency", "tremor_freq_hz", "Tremor peak frequency", HERTZ),
        MetricCode(
            "tremor-amplitude", "tremor_amplitude_deg", "Tremor amplitude (equivalent sinusoid)", DEGREES
        ),
        MetricCode("duration", "duration_s", "Exercise duration", SECONDS, standard=(_DURATION_LOINC,)),
        MetricCode("active-time", "active_time_s", "Time spent moving", SECONDS),
    )
}

THERAPY_CATEGORY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "therapy", "display": "Therapy"}]}
PSEUDONYMISED_LABEL = {"system": V3_OBSERVATION_VALUE, "code": "PSEUDED", "display": "pseudonymized"}


def quantity(value: float, unit: Unit) -> dict[str, Any]:
    """A UCUM Quantity."""
    return {"value": value, "unit": unit.display, "system": UCUM, "code": unit.code}


@dataclass(frozen=True)
class FeelingCode:
    """How one patient-reported rating scale becomes an Observation."""

    scale: str  # the hub's SessionFeeling.scale
    key: str  # SmartTouch session-metric code
    display: str
    standard: tuple[tuple[str, str, str], ...] = ()
    method: tuple[str, str, str] | None = None  # the scale the value is on

    def codings(self, systems: Systems) -> list[dict[str, Any]]:
        out = [{"system": s, "code": c, "display": d} for s, c, d in self.standard]
        out.append({"system": systems.metric, "code": self.key, "display": self.display})
        return out


#: The ratings of "how do you feel" (0-10, before and after a session), by hub scale name.
FEELINGS: dict[str, FeelingCode] = {
    f.scale: f
    for f in (
        FeelingCode(
            "pain_nrs",
            "pain-nrs",
            "Pain severity, 0-10 numeric rating scale, patient-reported",
            standard=((LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),),
        ),
        # No LOINC code exists for this (see the module docstring): SmartTouch's own code.
        FeelingCode(
            "effort_cr10",
            "effort-borg-cr10",
            "Perceived effort of the exercise session, Borg CR10 scale (0-10), patient-reported",
            method=(DICOM_DCM, "122735", "Borg CR10 Scale"),
        ),
    )
}

SURVEY_CATEGORY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
ASKED_DECLINED = {
    "coding": [{"system": DATA_ABSENT_REASON, "code": "asked-declined", "display": "Asked But Declined"}]
}


#: SNOMED CT body structures of the sensor's sites (``smarttouch.sensors.placements.SITES``)
BODY_SITES: dict[str, tuple[str, str]] = {
    "upper-arm": ("40983000", "Upper arm structure"),
    "forearm": ("14975008", "Forearm structure"),
    "wrist": ("8205005", "Wrist region structure"),
    "hand": ("85562004", "Hand structure"),
    "thigh": ("68367000", "Thigh structure"),
}
#: SNOMED CT laterality qualifiers of the side that trained
LATERALITY: dict[str, tuple[str, str]] = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "both": ("51440002", "Right and left"),
}


def body_site(site: str | None, side: str | None) -> dict[str, Any] | None:
    """Observation.bodySite of a session: the sensor's site as a SNOMED CT body structure,
    its laterality in a second coding (SNOMED CT qualifier value) and both in words; None
    when the session recorded no site."""
    if not site or site not in BODY_SITES:
        return None
    code, display = BODY_SITES[site]
    codings = [{"system": SNOMED, "code": code, "display": display}]
    words = site.replace("-", " ")
    if side in LATERALITY:
        lat_code, lat_display = LATERALITY[side]
        codings.append({"system": SNOMED, "code": lat_code, "display": lat_display})
        words = f"{words}, {'both sides (bilateral exercise)' if side == 'both' else side + ' side'}"
    return {"coding": codings, "text": f"Sensor worn on the {words}"}
