"""Fictional suppliers (maintenance workshops) and customers (textile mills).

The catalogue is static data so that a seed always maps to the same companies: nothing here depends on
randomness or on the clock. Tax identifiers carry valid check characters (Spanish CIF/NIF) so that an
extractor that validates them is not fooled by the generator. Every name is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

_NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CIF_CONTROL_LETTERS = "JABCDEFGHI"


def cif(letter: str, digits: str) -> str:
    """Return a Spanish company tax id (CIF) with its check character, e.g. ``cif("B", "6218573")``.

    Companies of type A/B/E/H end in a digit, P/Q/S/N/W/R in a letter; other types (F for cooperatives) use
    the digit as well. Real invoices show valid ids, and an extractor may rely on the checksum.
    """
    if len(digits) != 7 or not digits.isdigit():
        raise ValueError(f"a CIF needs 7 digits, got {digits!r}")
    even = sum(int(d) for d in digits[1::2])
    odd = sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2])
    control = (10 - (even + odd) % 10) % 10
    check = _CIF_CONTROL_LETTERS[control] if letter in "PQSNWR" else str(control)
    return f"{letter}{digits}{check}"


def nif(number: int) -> str:
    """Return a Spanish personal tax id (NIF, self-employed workshops): 8 digits and the mod-23 letter."""
    return f"{number:08d}{_NIF_LETTERS[number % 23]}"


@dataclass(frozen=True)
class Company:
    """A party on the invoice. ``address`` holds the printed lines (street, then postcode and town)."""

    name: str
    tax_id: str
    address: tuple[str, ...]
    phone: str
    email: str


@dataclass(frozen=True)
class Supplier(Company):
    """A maintenance workshop. It always writes in the same language and numbers its invoices its own way.

    ``number_pattern`` is a ``str.format`` pattern with ``yyyy``, ``yy`` and ``n`` (the sequence number);
    ``first_number`` is the start of its yearly sequence, so numbers look like a real series.
    """

    language: str = "es"
    number_pattern: str = "F-{yyyy}/{n:04d}"
    first_number: int = 1
    iban: str = ""


@dataclass(frozen=True)
class Customer(Company):
    """A textile mill; ``kind`` (spinning, weaving, dyeing, knitting) decides which machines it owns."""

    kind: str = "weaving"


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier(
        "Talleres Mecánicos Ruiz S.L.",
        cif("B", "6218573"),
        ("C/ Sant Isidre, 14", "08223 Terrassa (Barcelona)"),
        "937 31 24 56",
        "facturacion@talleresruiz.es",
        "es",
        "F-{yyyy}/{n:04d}",
        41,
        "ES76 2100 0853 5102 0034 5671",
    ),
    Supplier(
        "Mantenimientos Textiles del Vallès S.L.",
        cif("B", "6590214"),
        ("Polígon Can Roqueta, nau 7", "08202 Sabadell (Barcelona)"),
        "937 12 88 03",
        "admin@mantextilvalles.es",
        "es",
        "FAC-{n:06d}",
        412,
        "ES12 0081 0153 4400 0123 9876",
    ),
    Supplier(
        "Electromecánica Alcoyana S.A.",
        cif("A", "0318842"),
        ("Avda. de Elche, 122", "03801 Alcoy (Alicante)"),
        "965 54 10 22",
        "contabilidad@electroalcoyana.es",
        "es",
        "{yyyy}-{n:04d}",
        87,
        "ES45 2038 6204 1160 0098 1122",
    ),
    Supplier(
        "Hermanos Puig Reparaciones S.L.",
        cif("B", "2571390"),
        ("Carrer del Rec, 33", "08700 Igualada (Barcelona)"),
        "938 03 45 67",
        "puig@hermanospuig.cat",
        "es",
        "A/{yy}/{n:03d}",
        15,
        "ES02 0182 4570 8102 0150 3344",
    ),
    Supplier(
        "Servicios Técnicos Ontinyent S.L.",
        cif("B", "9640217"),
        ("C/ Dos de Maig, 58", "46870 Ontinyent (Valencia)"),
        "962 38 77 14",
        "oficina@stontinyent.es",
        "es",
        "FV{yy}-{n:05d}",
        230,
        "ES91 3159 0012 6325 0017 8891",
    ),
    Supplier(
        "Tecnotextil Mantenimiento Industrial S.L.",
        cif("B", "8834106"),
        ("Pol. Ind. Santa Ana, parcela 12", "28529 Rivas-Vaciamadrid (Madrid)"),
        "916 66 30 40",
        "facturas@tecnotextil.es",
        "es",
        "F-{yyyy}/{n:04d}",
        120,
        "ES66 0049 1500 0528 1234 5678",
    ),
    Supplier(
        "Bobinados Eléctricos Cocentaina S.L.",
        cif("B", "5379061"),
        ("C/ Mayor, 7", "03820 Cocentaina (Alicante)"),
        "965 59 02 18",
        "bobinados@bobinadoscocentaina.es",
        "es",
        "{n:05d}/{yy}",
        310,
        "ES37 2100 2961 1102 0011 2233",
    ),
    Supplier(
        "Rodamientos y Transmisiones Levante S.L.",
        cif("B", "9706328"),
        ("Avda. Real de Madrid, 210", "46017 Valencia"),
        "963 78 21 90",
        "ventas@rtlevante.es",
        "es",
        "FAC-{n:06d}",
        10450,
        "ES08 0075 0123 4506 0078 9012",
    ),
    Supplier(
        "Hidráulica y Neumática Terrassa S.L.",
        cif("B", "6047715"),
        ("Ctra. de Martorell, 88", "08224 Terrassa (Barcelona)"),
        "937 85 60 11",
        "admin@hntterrassa.es",
        "es",
        "{yyyy}-{n:04d}",
        50,
        "ES54 0081 0045 6700 0112 2334",
    ),
    Supplier(
        "Talleres Garrido e Hijos S.L.",
        cif("B", "3720584"),
        ("C/ Fábrica de Paños, 3", "37700 Béjar (Salamanca)"),
        "923 40 12 77",
        "garrido@talleresgarrido.es",
        "es",
        "A/{yy}/{n:03d}",
        8,
        "ES23 2104 0300 4130 0012 3456",
    ),
    Supplier(
        "Ingeniería de Mantenimiento Béjar S.L.",
        cif("B", "3715509"),
        ("Avda. de Salamanca, 41", "37700 Béjar (Salamanca)"),
        "923 41 55 09",
        "facturacion@imbejar.es",
        "es",
        "F-{yyyy}/{n:04d}",
        60,
        "ES71 0049 4567 8901 2345 6789",
    ),
    Supplier(
        "Automatismos Textiles Mataró S.L.",
        cif("B", "6281457"),
        ("Camí Ral, 412", "08302 Mataró (Barcelona)"),
        "937 90 31 48",
        "info@automatismosmataro.es",
        "es",
        "FV{yy}-{n:05d}",
        1200,
        "ES30 2100 0427 2502 0012 7788",
    ),
    Supplier(
        "Reparaciones Industriales Miño S.L.",
        cif("B", "3289916"),
        ("Polígono de San Cibrao, rúa 5, 22", "32901 San Cibrao das Viñas (Ourense)"),
        "988 36 12 40",
        "administracion@rimino.es",
        "es",
        "{yyyy}-{n:04d}",
        140,
        "ES17 2080 5000 6130 4000 1122",
    ),
    Supplier(
        "Montajes Mecánicos Anoia S.L.",
        cif("B", "6573028"),
        ("C/ de la Indústria, 19", "08700 Igualada (Barcelona)"),
        "938 04 99 21",
        "mma@montajesanoia.es",
        "es",
        "FAC-{n:06d}",
        2210,
        "ES84 0182 6035 4102 0160 4455",
    ),
    Supplier(
        "Compresores del Norte S.A.",
        cif("A", "4811730"),
        ("Parque Empresarial Boroa, parcela 2B", "48340 Amorebieta (Bizkaia)"),
        "946 30 18 70",
        "sat@compresoresnorte.es",
        "es",
        "F-{yyyy}/{n:04d}",
        300,
        "ES60 2095 0000 7091 0123 4567",
    ),
    Supplier(
        "Electricidad Industrial Crevillent S.L.",
        cif("B", "5422893"),
        ("C/ Llavador, 25", "03330 Crevillent (Alicante)"),
        "965 40 21 33",
        "oficina@eicrevillent.es",
        "es",
        "{n:05d}/{yy}",
        75,
        "ES49 3058 2506 1327 2000 5566",
    ),
    Supplier(
        "Servicios Integrales Textiles S.Coop.",
        cif("F", "4602917"),
        ("Partida Els Alters, 4", "46880 Bocairent (Valencia)"),
        "962 35 07 65",
        "sit@sitcoop.es",
        "es",
        "A/{yy}/{n:03d}",
        44,
        "ES26 3159 0067 8123 4567 8901",
    ),
    Supplier(
        "José Luis Martín Ferrer",
        nif(45873219),
        ("C/ Sant Pere, 102, bajo", "08221 Terrassa (Barcelona)"),
        "654 21 87 30",
        "jlmartin.reparaciones@gmail.com",
        "es",
        "{yyyy}-{n:04d}",
        12,
        "ES93 2100 3210 1234 5678 9012",
    ),
    Supplier(
        "Talleres Sánchez Bernabeu S.L.",
        cif("B", "0356672"),
        ("Pol. Ind. Cotes Baixes, C/ F, 6", "03804 Alcoy (Alicante)"),
        "965 33 41 88",
        "tsb@tallerssb.es",
        "es",
        "FV{yy}-{n:05d}",
        530,
        "ES58 0081 1234 5600 0987 6543",
    ),
    Supplier(
        "Ajustes y Calibraciones Textiles S.L.",
        cif("B", "6699304"),
        ("Ronda de Ponent, 150", "08201 Sabadell (Barcelona)"),
        "937 27 60 92",
        "calibraciones@ajustextil.es",
        "es",
        "F-{yyyy}/{n:04d}",
        95,
        "ES40 0049 2600 1122 3344 5566",
    ),
    Supplier(
        "Mecanizados y Engrases Manresa S.L.",
        cif("B", "6510488"),
        ("C/ Tres Roures, 9", "08243 Manresa (Barcelona)"),
        "938 72 30 15",
        "factures@mecmanresa.es",
        "es",
        "{yyyy}-{n:04d}",
        210,
        "ES19 2100 0089 7502 0033 1144",
    ),
    Supplier(
        "Frío y Climatización Industrial Banyeres S.L.",
        cif("B", "5398822"),
        ("Avda. Maestro Font, 61", "03450 Banyeres de Mariola (Alicante)"),
        "965 56 70 03",
        "frio@fcibanyeres.es",
        "es",
        "FAC-{n:06d}",
        880,
        "ES97 2038 6100 4460 0012 9900",
    ),
    Supplier(
        "Northern Textile Engineering Ltd",
        "GB 284 7731 52",
        ("Unit 4, Cotton Mill Way", "Oldham OL9 6HT, United Kingdom"),
        "+44 161 624 3390",
        "accounts@nte-ltd.co.uk",
        "en",
        "INV-{n:05d}",
        10234,
        "GB29 NWBK 6016 1331 9268 19",
    ),
    Supplier(
        "Loom Services International Ltd",
        "IE 6388047T",
        ("Block C, Ashbourne Business Park", "Ashbourne, Co. Meath, A84 KH58, Ireland"),
        "+353 1 835 2210",
        "billing@loomservices.ie",
        "en",
        "LSI-{yyyy}-{n:04d}",
        300,
        "IE64 AIBK 9311 5212 3456 78",
    ),
    Supplier(
        "Precision Spindle Repairs Ltd",
        "GB 517 2290 04",
        ("22 Mill Lane", "Huddersfield HD1 6RB, United Kingdom"),
        "+44 1484 530 771",
        "office@precisionspindle.co.uk",
        "en",
        "PSR{n:06d}",
        4120,
        "GB33 BUKB 2020 1555 5555 55",
    ),
    Supplier(
        "Atlantic Machinery Maintenance S.L.",
        "ESB" + cif("B", "1567420")[1:],
        ("Rúa de Vigo, 31", "36201 Vigo (Pontevedra), Spain"),
        "+34 986 22 41 90",
        "invoices@atlanticmm.com",
        "en",
        "INV-{n:05d}",
        20050,
        "ES88 2080 5015 3030 4001 2345",
    ),
    Supplier(
        "Pennine Mill Services Ltd",
        "GB 398 1142 67",
        ("Victoria Works, Bradford Road", "Keighley BD21 4EH, United Kingdom"),
        "+44 1535 600 412",
        "finance@penninemill.co.uk",
        "en",
        "SI-{yyyy}-{n:04d}",
        150,
        "GB71 LOYD 3099 5412 6543 21",
    ),
    Supplier(
        "Weavetech Field Service B.V.",
        "NL 8561.23.904.B01",
        ("Industrieweg 17", "7553 GZ Hengelo, Netherlands"),
        "+31 74 250 8800",
        "ar@weavetech-fs.nl",
        "en",
        "WT/{yy}/{n:04d}",
        710,
        "NL91 ABNA 0417 1643 00",
    ),
    Supplier(
        "Iberian Drive Systems S.L.",
        "ESB" + cif("B", "4627013")[1:],
        ("Parque Tecnológico, edificio 208", "48170 Zamudio (Bizkaia), Spain"),
        "+34 944 03 77 10",
        "accounts@iberiandrive.com",
        "en",
        "IDS-{n:06d}",
        5210,
        "ES40 2095 0611 0091 1234 5678",
    ),
)
"""Twenty-nine workshops; seven of them invoice in English, which gives roughly a quarter English invoices."""


CUSTOMERS: tuple[Customer, ...] = (
    Customer(
        "Hilaturas Montseny S.A.",
        cif("A", "0821456"),
        ("Ctra. de Vic, km 12", "08520 Les Franqueses del Vallès (Barcelona)"),
        "938 40 22 10",
        "compras@hilaturasmontseny.es",
        "spinning",
    ),
    Customer(
        "Tejidos Serra i Fills S.L.",
        cif("B", "6140273"),
        ("C/ Telers, 45", "08202 Sabadell (Barcelona)"),
        "937 25 60 00",
        "mantenimiento@tejidosserra.es",
        "weaving",
    ),
    Customer(
        "Tintes y Acabados del Llobregat S.A.",
        cif("A", "0866931"),
        ("Polígon Industrial El Pla, C/ Tintorers, 2", "08980 Sant Feliu de Llobregat (Barcelona)"),
        "936 85 14 70",
        "proveedores@tintesllobregat.es",
        "dyeing",
    ),
    Customer(
        "Hilados Benavent S.L.",
        cif("B", "4631750"),
        ("Avda. del Textil, 15", "46870 Ontinyent (Valencia)"),
        "962 91 05 40",
        "admin@hiladosbenavent.es",
        "spinning",
    ),
    Customer(
        "Textil Mariola S.A.",
        cif("A", "0317624"),
        ("Camí de la Beniata, 8", "03801 Alcoy (Alicante)"),
        "965 52 88 19",
        "facturas@textilmariola.es",
        "weaving",
    ),
    Customer(
        "Paños y Lanas de Béjar S.L.",
        cif("B", "3702278"),
        ("C/ Colón, 60", "37700 Béjar (Salamanca)"),
        "923 40 03 66",
        "contabilidad@lanasbejar.es",
        "weaving",
    ),
    Customer(
        "Tintorería Vallesana S.A.",
        cif("A", "0855412"),
        ("C/ Riu Ripoll, 21", "08205 Sabadell (Barcelona)"),
        "937 16 43 02",
        "cuentas@tintoreriavallesana.es",
        "dyeing",
    ),
    Customer(
        "Géneros de Punto Crevillent S.L.",
        cif("B", "5401183"),
        ("Avda. de Madrid, 77", "03330 Crevillent (Alicante)"),
        "965 40 77 45",
        "admin@puntocrevillent.es",
        "knitting",
    ),
)
"""Eight mills; ``kind`` picks the machines named in the invoice lines (a dye house has no looms)."""
