"""Country normalisation: names, demonyms, capitals and abbreviations -> ISO 3166-1 alpha-2.

Why: FORMAT.md compares actors as ISO codes (``US``, never ``Washington``), and news
uses capitals and demonyms as metonyms ("Beijing tightened", "Chinese negotiators").
The table is data (one tuple per country); :func:`country_code` is the only API
the extractor needs, plus :data:`SURFACE_FORMS` for building matcher patterns.
"""

from __future__ import annotations

import re

# code: (names and aliases, demonyms, capitals-as-metonyms)
_COUNTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "US": (
        (
            "United States",
            "United States of America",
            "U.S.",
            "US",
            "U.S.A.",
            "USA",
            "America",
            "the States",
        ),
        ("American", "Americans", "U.S.-led", "US-led"),
        ("Washington", "White House"),
    ),
    "CN": (
        ("China", "People's Republic of China", "PRC", "P.R.C.", "mainland China"),
        ("Chinese",),
        ("Beijing", "Zhongnanhai"),
    ),
    "JP": (("Japan",), ("Japanese",), ("Tokyo",)),
    "AU": (("Australia",), ("Australian", "Australians"), ("Canberra",)),
    "MY": (("Malaysia",), ("Malaysian",), ("Kuala Lumpur", "Putrajaya")),
    "TH": (("Thailand",), ("Thai",), ("Bangkok",)),
    "KR": (("South Korea", "Republic of Korea", "Korea"), ("South Korean", "Korean"), ("Seoul",)),
    "KP": (("North Korea",), ("North Korean",), ("Pyongyang",)),
    "IN": (("India",), ("Indian",), ("New Delhi",)),
    "ID": (("Indonesia",), ("Indonesian",), ("Jakarta",)),
    "VN": (("Vietnam", "Viet Nam"), ("Vietnamese",), ("Hanoi",)),
    "PH": (("Philippines",), ("Philippine", "Filipino"), ("Manila",)),
    "SG": (("Singapore",), ("Singaporean",), ()),
    "TW": (("Taiwan",), ("Taiwanese",), ("Taipei",)),
    "MN": (("Mongolia",), ("Mongolian",), ("Ulaanbaatar",)),
    "KZ": (("Kazakhstan",), ("Kazakh",), ("Astana",)),
    "KG": (("Kyrgyzstan", "Kyrgyz Republic"), ("Kyrgyz",), ("Bishkek",)),
    "TJ": (("Tajikistan",), ("Tajik",), ("Dushanbe",)),
    "TM": (("Turkmenistan",), ("Turkmen",), ("Ashgabat",)),
    "UZ": (("Uzbekistan",), ("Uzbek",), ("Tashkent",)),
    "PK": (("Pakistan",), ("Pakistani",), ("Islamabad",)),
    "MM": (("Myanmar", "Burma"), ("Burmese",), ("Naypyidaw",)),
    "KH": (("Cambodia",), ("Cambodian",), ("Phnom Penh",)),
    "LA": (("Laos",), ("Lao", "Laotian"), ("Vientiane",)),
    "BD": (("Bangladesh",), ("Bangladeshi",), ("Dhaka",)),
    "LK": (("Sri Lanka",), ("Sri Lankan",), ("Colombo",)),
    "NZ": (("New Zealand",), (), ("Wellington",)),
    "PG": (("Papua New Guinea",), (), ()),
    "CA": (("Canada",), ("Canadian", "Canadians"), ("Ottawa",)),
    "MX": (("Mexico",), ("Mexican",), ("Mexico City",)),
    "BR": (("Brazil",), ("Brazilian",), ("Brasilia", "Brasília")),
    "AR": (("Argentina",), ("Argentine", "Argentinian"), ("Buenos Aires",)),
    "CL": (("Chile",), ("Chilean",), ("Santiago",)),
    "PE": (("Peru",), ("Peruvian",), ("Lima",)),
    "BO": (("Bolivia",), ("Bolivian",), ("La Paz",)),
    "CO": (("Colombia",), ("Colombian",), ("Bogota", "Bogotá")),
    "EC": (("Ecuador",), ("Ecuadorian",), ("Quito",)),
    "VE": (("Venezuela",), ("Venezuelan",), ("Caracas",)),
    "GL": (("Greenland",), ("Greenlandic",), ("Nuuk",)),
    "DK": (("Denmark",), ("Danish",), ("Copenhagen",)),
    "GB": (
        ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "England"),
        ("British",),
        ("London", "Downing Street", "Whitehall"),
    ),
    "FR": (("France",), ("French",), ("Paris", "Elysee", "Élysée")),
    "DE": (("Germany",), ("German",), ("Berlin",)),
    "IT": (("Italy",), ("Italian",), ("Rome",)),
    "ES": (("Spain",), ("Spanish",), ("Madrid",)),
    "PT": (("Portugal",), ("Portuguese",), ("Lisbon",)),
    "NL": (("Netherlands", "Holland"), ("Dutch",), ("The Hague", "Amsterdam")),
    "BE": (("Belgium",), ("Belgian",), ()),
    "SE": (("Sweden",), ("Swedish",), ("Stockholm",)),
    "NO": (("Norway",), ("Norwegian",), ("Oslo",)),
    "FI": (("Finland",), ("Finnish",), ("Helsinki",)),
    "EE": (("Estonia",), ("Estonian",), ("Tallinn",)),
    "PL": (("Poland",), ("Polish",), ("Warsaw",)),
    "CZ": (("Czech Republic", "Czechia"), ("Czech",), ("Prague",)),
    "AT": (("Austria",), ("Austrian",), ("Vienna",)),
    "CH": (("Switzerland",), ("Swiss",), ("Bern",)),
    "IE": (("Ireland",), ("Irish",), ("Dublin",)),
    "GR": (("Greece",), ("Greek",), ("Athens",)),
    "RS": (("Serbia",), ("Serbian",), ("Belgrade",)),
    "RO": (("Romania",), ("Romanian",), ("Bucharest",)),
    "HU": (("Hungary",), ("Hungarian",), ("Budapest",)),
    "UA": (("Ukraine",), ("Ukrainian",), ("Kyiv", "Kiev")),
    "RU": (("Russia", "Russian Federation"), ("Russian",), ("Moscow", "Kremlin")),
    "TR": (("Turkey", "Türkiye", "Turkiye"), ("Turkish",), ("Ankara",)),
    "SA": (("Saudi Arabia",), ("Saudi",), ("Riyadh",)),
    "AE": (("United Arab Emirates", "UAE", "U.A.E."), ("Emirati",), ("Abu Dhabi",)),
    "QA": (("Qatar",), ("Qatari",), ("Doha",)),
    "OM": (("Oman",), ("Omani",), ("Muscat",)),
    "IR": (("Iran",), ("Iranian",), ("Tehran",)),
    "IQ": (("Iraq",), ("Iraqi",), ("Baghdad",)),
    "IL": (("Israel",), ("Israeli",), ()),
    "AM": (("Armenia",), ("Armenian",), ("Yerevan",)),
    "EG": (("Egypt",), ("Egyptian",), ("Cairo",)),
    "MA": (("Morocco",), ("Moroccan",), ("Rabat",)),
    "ZA": (("South Africa",), ("South African",), ("Pretoria",)),
    "CD": (
        (
            "Democratic Republic of the Congo",
            "Democratic Republic of Congo",
            "DR Congo",
            "DRC",
            "D.R.C.",
            "Congo-Kinshasa",
        ),
        ("Congolese",),
        ("Kinshasa",),
    ),
    "ZM": (("Zambia",), ("Zambian",), ("Lusaka",)),
    "ZW": (("Zimbabwe",), ("Zimbabwean",), ("Harare",)),
    "UG": (("Uganda",), ("Ugandan",), ("Kampala",)),
    "KE": (("Kenya",), ("Kenyan",), ("Nairobi",)),
    "TZ": (("Tanzania",), ("Tanzanian",), ("Dodoma",)),
    "NG": (("Nigeria",), ("Nigerian",), ("Abuja",)),
    "GH": (("Ghana",), ("Ghanaian",), ("Accra",)),
    "GN": (("Guinea",), ("Guinean",), ("Conakry",)),
    "MG": (("Madagascar",), ("Malagasy",), ("Antananarivo",)),
    "MZ": (("Mozambique",), ("Mozambican",), ("Maputo",)),
    "NA": (("Namibia",), ("Namibian",), ("Windhoek",)),
    "BW": (("Botswana",), (), ("Gaborone",)),
    "MW": (("Malawi",), ("Malawian",), ("Lilongwe",)),
    "AO": (("Angola",), ("Angolan",), ("Luanda",)),
    "RW": (("Rwanda",), ("Rwandan",), ("Kigali",)),
    "ML": (("Mali",), ("Malian",), ("Bamako",)),
    "EU": (("European Union", "EU", "E.U.", "European Commission", "Brussels"), ("European",), ()),
}

# Lower-cased surface form -> code. Ambiguous short forms stay case-sensitive (see below).
_CASE_SENSITIVE = {"US", "UK", "EU", "PRC", "DRC", "UAE", "USA", "Lao", "Guinea"}
SURFACE_FORMS: dict[str, str] = {}
for _code, (_names, _dems, _caps) in _COUNTRIES.items():
    for _form in (*_names, *_dems, *_caps):
        SURFACE_FORMS[_form] = _code

_LOWER: dict[str, str] = {
    k.lower(): v for k, v in SURFACE_FORMS.items() if k not in _CASE_SENSITIVE
}
_EXACT: dict[str, str] = {k: v for k, v in SURFACE_FORMS.items() if k in _CASE_SENSITIVE}
_ISO = {code for code in _COUNTRIES}


def country_code(text: str) -> str | None:
    """Return the ISO code for a country name, demonym, capital or code, else None.

    >>> country_code("Beijing"), country_code("Chinese"), country_code("U.S."), country_code("EU")
    ('CN', 'CN', 'US', 'EU')
    """
    s = re.sub(r"\s+", " ", text.strip())
    s = re.sub(r"^(the|The)\s+", "", s)
    s = re.sub(r"['’]s$", "", s)
    if not s:
        return None
    if s in _EXACT:
        return _EXACT[s]
    if s.upper() in _ISO and s.isupper() and len(s) == 2:
        return s.upper()
    return _LOWER.get(s.lower())


def is_country_code(code: str) -> bool:
    """True for the ISO codes this table knows (plus EU)."""
    return code in _ISO
