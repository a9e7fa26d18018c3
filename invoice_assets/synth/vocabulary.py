"""Maintenance vocabulary: machines, parts and the line templates of each maintenance class.

Why it is built this way: the classifier must learn *what happened* (a failure was repaired, or planned
work was done), not spot one magic word. So both classes draw machines and parts from the same pools,
share verbs (sustitución, revisión, inspección, lubricación, ajuste, calibración...) and even some nouns
(parada, fuga, ruido); what tells them apart is the context: "tras avería", "rot{o}", "urgente", "no
arranca" on one side, "según plan", "cada 4000 h", "visita trimestral", "contrato" on the other. Each
class has many templates so that no single cue word covers most invoices of its class. The literal class
names (correctivo/preventivo) are not used here; the content module adds them to a minority of invoices.

Template slots: ``{m}`` machine (with its plant number), ``{p}`` part, ``{o}`` the gender ending of the
part (o/a) for Spanish adjectives, ``{om}`` the same for the machine, ``{h}`` running hours, ``{per}`` a
period word, ``{c}`` a maintenance contract reference, ``{n}`` a breakdown notice number, ``{season}`` a
shutdown season.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A noun in both languages; ``feminine`` drives Spanish endings (rodamiento roto / correa rota)."""

    es: str
    en: str
    feminine: bool = False


@dataclass(frozen=True)
class LineTemplate:
    """One way to describe a line. ``pricing`` says how quantity and unit price are drawn (see content.py)."""

    pricing: str
    es: str
    en: str


def _t(es: str, en: str, feminine: bool = False) -> Term:
    return Term(es, en, feminine)


GENERIC_PARTS: tuple[Term, ...] = (
    _t("rodamiento", "bearing"),
    _t("motor principal", "main motor"),
    _t("variador de frecuencia", "frequency inverter"),
    _t("correa de transmisión", "drive belt", True),
    _t("correa dentada", "toothed belt", True),
    _t("reductor", "gearbox"),
    _t("contactor", "contactor"),
    _t("electroválvula", "solenoid valve", True),
    _t("ventilador", "fan"),
    _t("encoder", "encoder"),
    _t("placa electrónica", "control board", True),
    _t("cojinete", "bushing"),
    _t("engranaje", "gear"),
    _t("sensor de proximidad", "proximity sensor"),
    _t("polea", "pulley", True),
)

MACHINES: dict[str, tuple[Term, tuple[Term, ...]]] = {
    "rapier_loom": (
        _t("telar de pinzas", "rapier loom"),
        (
            _t("pinza", "rapier gripper", True),
            _t("cinta portapinzas", "rapier tape", True),
            _t("sensor de trama", "weft sensor"),
            _t("batán", "sley"),
            _t("cuchilla de trama", "weft cutter", True),
        ),
    ),
    "airjet_loom": (
        _t("telar de chorro de aire", "air-jet loom"),
        (
            _t("tobera principal", "main nozzle", True),
            _t("sensor de trama", "weft sensor"),
            _t("peine", "reed"),
            _t("acumulador de trama", "weft accumulator"),
        ),
    ),
    "warper": (
        _t("urdidor", "warping machine"),
        (_t("fileta", "creel", True), _t("tambor", "drum"), _t("freno de hilo", "yarn tensioner")),
    ),
    "sizing": (
        _t("engomadora", "sizing machine", True),
        (_t("cilindro secador", "drying cylinder"), _t("rodillo exprimidor", "squeeze roller")),
    ),
    "winder": (
        _t("bobinadora", "winding machine", True),
        (
            _t("tambor ranurado", "grooved drum"),
            _t("purgador electrónico", "yarn clearer"),
            _t("empalmador", "splicer"),
        ),
    ),
    "compressor": (
        _t("compresor de aire", "air compressor"),
        (
            _t("separador de aceite", "oil separator"),
            _t("filtro de aire", "air filter"),
            _t("válvula de admisión", "intake valve", True),
        ),
    ),
    "card": (
        _t("carda", "carding machine", True),
        (_t("guarnición", "card clothing", True), _t("cilindro", "cylinder"), _t("chapones", "flats")),
    ),
    "draw_frame": (
        _t("manuar", "draw frame"),
        (_t("cilindro de estiraje", "drafting roller"), _t("manguito", "top roller cot")),
    ),
    "roving": (_t("mechera", "roving frame", True), (_t("aleta", "flyer", True), _t("husillo", "spindle"))),
    "ring_frame": (
        _t("continua de hilar", "ring spinning frame", True),
        (
            _t("husillo", "spindle"),
            _t("cursor", "traveller"),
            _t("manguito", "top roller cot"),
            _t("cinta tangencial", "tangential belt", True),
        ),
    ),
    "open_end": (
        _t("hiladora open-end", "open-end spinning machine", True),
        (_t("rotor", "rotor"), _t("cilindro disgregador", "opening roller")),
    ),
    "jet_dyeing": (
        _t("jet de tintura", "jet dyeing machine"),
        (
            _t("bomba de circulación", "circulation pump", True),
            _t("intercambiador", "heat exchanger"),
            _t("válvula de vapor", "steam valve", True),
        ),
    ),
    "package_dyeing": (
        _t("autoclave de tintura", "package dyeing machine"),
        (_t("bomba de circulación", "circulation pump", True), _t("junta de tapa", "lid seal", True)),
    ),
    "stenter": (
        _t("rama tensora", "stenter", True),
        (_t("cadena de pinzas", "clip chain", True), _t("quemador", "burner"), _t("ventilador", "fan")),
    ),
    "dryer": (_t("secadora", "dryer", True), (_t("quemador", "burner"), _t("tambor", "drum"))),
    "calender": (
        _t("calandra", "calender", True),
        (_t("rodillo", "roller"), _t("grupo hidráulico", "hydraulic unit")),
    ),
    "circular_knitting": (
        _t("tricotosa circular", "circular knitting machine", True),
        (
            _t("cilindro de agujas", "needle cylinder"),
            _t("alimentador de hilo", "yarn feeder"),
            _t("leva", "cam", True),
        ),
    ),
    "flat_knitting": (
        _t("tricotosa rectilínea", "flat knitting machine", True),
        (_t("carro", "carriage"), _t("fontura", "needle bed", True)),
    ),
    "boiler": (
        _t("caldera de vapor", "steam boiler", True),
        (_t("quemador", "burner"), _t("bomba de alimentación", "feed pump", True)),
    ),
}

MILL_MACHINES: dict[str, tuple[str, ...]] = {
    "spinning": ("card", "draw_frame", "roving", "ring_frame", "open_end", "winder", "compressor"),
    "weaving": ("rapier_loom", "airjet_loom", "warper", "sizing", "winder", "compressor"),
    "dyeing": ("jet_dyeing", "package_dyeing", "stenter", "dryer", "calender", "boiler", "compressor"),
    "knitting": ("circular_knitting", "flat_knitting", "winder", "calender", "compressor"),
}

PERIODS: tuple[tuple[str, str], ...] = (
    ("mensual", "monthly"),
    ("trimestral", "quarterly"),
    ("semestral", "six-monthly"),
    ("anual", "annual"),
)
SEASONS: tuple[tuple[str, str], ...] = (
    ("verano", "summer"),
    ("Navidad", "Christmas"),
    ("Semana Santa", "Easter"),
    ("agosto", "August"),
)
SERVICE_HOURS: tuple[int, ...] = (1000, 2000, 4000, 6000, 8000, 12000, 16000, 24000)

C = LineTemplate
CORRECTIVE: tuple[LineTemplate, ...] = (
    C("labour", "Reparación de avería en {m}", "Breakdown repair on {m}"),
    C("part", "Sustitución de {p} rot{o} en {m}", "Replacement of broken {p} on {m}"),
    C(
        "part",
        "Suministro de {p} para reparar la avería de {m}",
        "Supply of {p} to repair the failure of {m}",
    ),
    C("callout", "Desplazamiento urgente por parada de {m}", "Urgent call-out, {m} stopped"),
    C(
        "callout",
        "Servicio de urgencia fuera de horario, {m} parad{om}",
        "Out-of-hours emergency service, {m} down",
    ),
    C(
        "labour",
        "Localización y reparación de fuga de aceite en {p} de {m}",
        "Locating and repairing oil leak at {p} of {m}",
    ),
    C("labour", "Diagnóstico de ruido anómalo en {p} de {m}", "Troubleshooting abnormal noise at {p}, {m}"),
    C("part", "Cambio de {p} gripad{o} en {m}", "Change of seized {p} on {m}"),
    C("service", "Rebobinado de motor quemado de {m}", "Rewinding of burnt-out motor from {m}"),
    C("labour", "Reparación de {p} dañad{o} en {m}", "Repair of damaged {p} on {m}"),
    C(
        "labour",
        "Desmontaje y sustitución de {p} desgastad{o} que causó la parada de {m}",
        "Removal and replacement of worn {p} that caused {m} to stop",
    ),
    C("labour", "Corrección de vibración excesiva en {p} de {m}", "Fixing excessive vibration at {p} of {m}"),
    C("labour", "Intervención por incidencia: {m} no arranca", "Call-out for fault: {m} will not start"),
    C(
        "part",
        "Reposición de {p} tras disparo de protecciones en {m}",
        "Replacing {p} after protection trip on {m}",
    ),
    C("labour", "Soldadura y reparación de {p} fisurad{o} de {m}", "Welding repair of cracked {p} on {m}"),
    C("labour", "Desatasco de {p} bloquead{o} en {m}", "Clearing jammed {p} on {m}"),
    C(
        "labour",
        "Aviso {n}: {m} detenid{om} por fallo de {p}",
        "Service call {n}: {m} stopped by {p} failure",
    ),
    C(
        "labour",
        "Reparación de cortocircuito en cuadro eléctrico de {m}",
        "Short-circuit repair in control cabinet of {m}",
    ),
    C(
        "part",
        "Sustitución de {p} por rotura imprevista en {m}",
        "Replacement of {p} after unexpected breakage, {m}",
    ),
    C("labour", "Mano de obra reparación {m} averiad{om}", "Labour: repair of broken-down {m}"),
    C(
        "labour",
        "Revisión tras avería y nueva puesta en marcha de {m}",
        "Inspection after breakdown and restart of {m}",
    ),
    C(
        "labour",
        "Lubricación de emergencia de {p} sobrecalentad{o}, {m}",
        "Emergency lubrication of overheating {p}, {m}",
    ),
    C("labour", "Inspección de {m} tras parada imprevista", "Inspection of {m} after unplanned stoppage"),
    C(
        "labour",
        "Ajuste de {p} desalinead{o} que provocaba roturas en {m}",
        "Realignment of misaligned {p} causing breaks on {m}",
    ),
    C(
        "labour",
        "Recalibración de {p} tras fallo de lectura en {m}",
        "Recalibration of {p} after reading fault on {m}",
    ),
    C("labour", "Reparación de fuga de aire en {p} de {m}", "Repair of air leak at {p} of {m}"),
    C("part", "Recambio urgente de {p} para {m} (pedido exprés)", "Urgent spare {p} for {m} (express order)"),
    C("labour", "Horas extra en sábado por reparación de {m}", "Saturday overtime for repair of {m}"),
    C(
        "labour",
        "Reparación in situ de {p} deformad{o} por golpe en {m}",
        "On-site repair of {p} bent by impact on {m}",
    ),
    C(
        "callout",
        "Salida de técnico de guardia por avería de {m}",
        "On-call technician dispatched for {m} fault",
    ),
    C(
        "part",
        "Sustitución de {p} averiad{o} a las {h} h de servicio en {m}",
        "Replacement of {p} that failed at {h} operating hours on {m}",
    ),
)
"""Work done because something failed: breakdowns, stoppages, noise, leaks, broken or worn parts, urgency."""

PREVENTIVE: tuple[LineTemplate, ...] = (
    C(
        "labour",
        "Revisión periódica de {m} según plan de mantenimiento",
        "Periodic service of {m} as per maintenance plan",
    ),
    C(
        "part",
        "Sustitución programada de {p} de {m} ({h} h de funcionamiento)",
        "Scheduled replacement of {p} on {m} ({h} running hours)",
    ),
    C("labour", "Lubricación programada de {p} de {m}", "Scheduled lubrication of {p}, {m}"),
    C("service", "Calibración {per} de {p} de {m}", "{Per} calibration of {p} on {m}"),
    C("visit", "Visita {per} de mantenimiento, contrato {c}", "{Per} maintenance visit, contract {c}"),
    C("labour", "Inspección planificada de {m}", "Planned inspection of {m}"),
    C("labour", "Cambio de aceite del reductor de {m} cada {h} h", "Gearbox oil change on {m} every {h} h"),
    C("labour", "Engrase periódico de {p} de {m}", "Periodic greasing of {p}, {m}"),
    C("service", "Puesta a punto anual de {m}", "Annual overhaul of {m}"),
    C("labour", "Parada programada: revisión general de {m}", "Planned shutdown: general overhaul of {m}"),
    C(
        "service",
        "Termografía de {p} de {m} según calendario",
        "Thermographic survey of {p}, {m}, per schedule",
    ),
    C(
        "service",
        "Análisis de vibraciones de {p} de {m} (ruta {per})",
        "Vibration analysis of {p} on {m} ({per} route)",
    ),
    C(
        "labour",
        "Verificación de {p} de {m} incluida en contrato {c}",
        "Check of {p} on {m} under contract {c}",
    ),
    C(
        "part",
        "Sustitución de {p} de {m} por horas de uso (contador {h} h)",
        "Replacement of {p} on {m} by hours counter ({h} h)",
    ),
    C("labour", "Limpieza y ajuste rutinario de {m}", "Routine cleaning and adjustment of {m}"),
    C("part", "Kit de revisión de las {h} h para {m}", "{h}-hour service kit for {m}"),
    C("part", "Recambio de {p} para revisión programada de {m}", "Spare {p} for scheduled service of {m}"),
    C("labour", "Mano de obra revisión {per} de {m}", "Labour: {per} service of {m}"),
    C(
        "labour",
        "Comprobación de tensión de {p} de {m} en visita de contrato",
        "Tension check of {p} on {m} during contract visit",
    ),
    C(
        "labour",
        "Reapriete y ajuste de {p} de {m} según pauta del fabricante",
        "Re-tightening and adjustment of {p} on {m} to manufacturer schedule",
    ),
    C("labour", "Control periódico de desgaste de {p} en {m}", "Periodic wear check of {p} on {m}"),
    C(
        "labour",
        "Detección de fugas de aire en {m} según plan anual",
        "Air leak survey of {m} per annual plan",
    ),
    C("part", "Sustitución de filtros de {m} según calendario", "Filter replacement on {m} per calendar"),
    C(
        "labour",
        "Ajuste de {p} de {m} en visita programada",
        "Adjustment of {p} on {m} during scheduled visit",
    ),
    C(
        "labour",
        "Medición de ruido y vibraciones de {m} (control {per})",
        "Noise and vibration measurement on {m} ({per} check)",
    ),
    C(
        "labour",
        "Inspección de {p} de {m} en la parada planificada de {season}",
        "Inspection of {p} on {m} during the planned {season} shutdown",
    ),
    C("part", "Cambio de {p} de {m} al cumplir {h} h, según plan", "Changing {p} on {m} at {h} h as planned"),
    C(
        "labour",
        "Revisión de {p} de {m} dentro del intervalo de servicio",
        "Inspection of {p} on {m} within the service interval",
    ),
    C(
        "visit",
        "Cuota {per} de mantenimiento de {m} (contrato {c})",
        "{Per} maintenance fee for {m} (contract {c})",
    ),
)
"""Work done because the calendar or the hours counter said so: plans, contracts, intervals, calibration."""

NEUTRAL: tuple[LineTemplate, ...] = (
    C("travel", "Desplazamiento", "Travel"),
    C("travel", "Desplazamiento técnico", "Technician travel"),
    C("mileage", "Kilometraje", "Mileage"),
    C("consumable", "Pequeño material y consumibles", "Sundry materials and consumables"),
    C("consumable", "Material eléctrico diverso", "Miscellaneous electrical material"),
    C("consumable", "Grasa y lubricantes", "Grease and lubricants"),
    C("consumable", "Gestión de residuos (aceite usado)", "Waste oil disposal"),
    C("travel", "Portes y embalaje", "Carriage and packing"),
    C("travel", "Dietas del técnico", "Technician subsistence"),
)
"""Lines that say nothing about the class (travel, consumables); they do not count towards the label."""

TEMPLATES: dict[str, tuple[LineTemplate, ...]] = {
    "corrective": CORRECTIVE,
    "preventive": PREVENTIVE,
    "neutral": NEUTRAL,
}

LITERAL_PREFIX: dict[tuple[str, str], str] = {
    ("corrective", "es"): "Mantenimiento correctivo: ",
    ("preventive", "es"): "Mantenimiento preventivo: ",
    ("corrective", "en"): "Corrective maintenance: ",
    ("preventive", "en"): "Preventive maintenance: ",
}
"""The only place the class names appear; content.py uses them on a minority of invoices."""
