"""Seed data for the demo conference.

Plain, immutable, typed data: no database, no framework. The people, organizations and
companies are fictional; the regional groups and their memberships are real.
Every demo account signs in with ``DEMO_PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal, get_args

AffiliationKind = Literal[
    "ministry", "regulator", "company", "academia", "civil_society", "secretariat", "other"
]
Role = Literal["secretariat", "chair", "vice_chair", "delegate", "observer"]
DocumentKind = Literal["resolution", "decision", "report"]

AFFILIATION_KINDS: tuple[AffiliationKind, ...] = get_args(AffiliationKind)
ROLES: tuple[Role, ...] = get_args(Role)
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

DEMO_PASSWORD = "accord-demo"  # noqa: S105 - documented, shared by every demo account
EMAIL_DOMAIN = "example.org"


@dataclass(frozen=True, slots=True)
class DemoConference:
    code: str
    name: str
    city: str
    host_country: str  # ISO 3166-1 alpha-3
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True, slots=True)
class DemoRegionalGroup:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DemoDelegation:
    iso3: str  # ISO 3166-1 alpha-3
    name: str
    regional_groups: tuple[str, ...]  # DemoRegionalGroup.code values


@dataclass(frozen=True, slots=True)
class DemoWorkingGroup:
    code: str
    name: str
    chair: str  # DemoUser.username
    vice_chairs: tuple[str, ...]  # DemoUser.username values


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    email: str
    affiliation_kind: AffiliationKind
    affiliation_name: str
    delegation: str | None  # DemoDelegation.iso3, None for the secretariat and observers
    role: Role
    working_group: str | None = None  # DemoWorkingGroup.code, for chairs and vice-chairs


@dataclass(frozen=True, slots=True)
class DemoDocument:
    working_group: str  # DemoWorkingGroup.code
    symbol: str
    title: str
    kind: DocumentKind
    text_file: str  # a file name in app/demo/texts/


CONFERENCE = DemoConference(
    code="PP-26-DEMO",
    name="PP-26 Demo, Doha, 2026",
    city="Doha",
    host_country="QAT",
    start_date=dt.date(2026, 11, 9),
    end_date=dt.date(2026, 11, 27),
)

REGIONAL_GROUPS: tuple[DemoRegionalGroup, ...] = (
    DemoRegionalGroup("APT", "Asia-Pacific Telecommunity"),
    DemoRegionalGroup("ATU", "African Telecommunications Union"),
    DemoRegionalGroup(
        "CEPT", "European Conference of Postal and Telecommunications Administrations"
    ),
    DemoRegionalGroup("CITEL", "Inter-American Telecommunication Commission"),
    DemoRegionalGroup("RCC", "Regional Commonwealth in the field of Communications"),
    DemoRegionalGroup("LAS", "Arab States"),
)

DELEGATIONS: tuple[DemoDelegation, ...] = (
    DemoDelegation("AUS", "Australia", ("APT",)),
    DemoDelegation("BRA", "Brazil", ("CITEL",)),
    DemoDelegation("CAN", "Canada", ("CITEL",)),
    DemoDelegation("CHN", "China", ("APT",)),
    DemoDelegation("DEU", "Germany", ("CEPT",)),
    DemoDelegation("EGY", "Egypt", ("ATU", "LAS")),
    DemoDelegation("FRA", "France", ("CEPT",)),
    DemoDelegation("IND", "India", ("APT",)),
    DemoDelegation("KAZ", "Kazakhstan", ("RCC",)),
    DemoDelegation("KEN", "Kenya", ("ATU",)),
    DemoDelegation("KOR", "Republic of Korea", ("APT",)),
    DemoDelegation("NGA", "Nigeria", ("ATU",)),
    DemoDelegation("QAT", "Qatar", ("LAS",)),
    DemoDelegation("RUS", "Russian Federation", ("RCC",)),
    DemoDelegation("SAU", "Saudi Arabia", ("LAS",)),
    DemoDelegation("ARE", "United Arab Emirates", ("LAS",)),
)

WORKING_GROUPS: tuple[DemoWorkingGroup, ...] = (
    DemoWorkingGroup(
        code="WG-PL",
        name="Working Group of the Plenary",
        chair="khalid.almansouri",
        vice_chairs=("ngozi.adeyemi",),
    ),
    DemoWorkingGroup(
        code="COM5/WG-B",
        name="Committee 5, Working Group B (Languages and policy matters)",
        chair="marie-eve.lachance",
        vice_chairs=(),
    ),
)

USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "amara.diallo",
        "Amara Diallo",
        "amara.diallo@example.org",
        "secretariat",
        "Conference Secretariat, Document Control",
        None,
        "secretariat",
    ),
    DemoUser(
        "khalid.almansouri",
        "خالد المنصوري",
        "khalid.almansouri@example.org",
        "ministry",
        "Ministry of Communications and Digital Economy",
        "QAT",
        "chair",
        "WG-PL",
    ),
    DemoUser(
        "marie-eve.lachance",
        "Marie-Ève Lachance",
        "marie-eve.lachance@example.org",
        "ministry",
        "Department of Digital Infrastructure",
        "CAN",
        "chair",
        "COM5/WG-B",
    ),
    DemoUser(
        "ngozi.adeyemi",
        "Ngozi Adeyemi",
        "ngozi.adeyemi@example.org",
        "regulator",
        "Federal Communications Regulatory Commission",
        "NGA",
        "vice_chair",
        "WG-PL",
    ),
    DemoUser(
        "minjun.park",
        "박민준",
        "minjun.park@example.org",
        "ministry",
        "Ministry of Digital Policy and Broadcasting",
        "KOR",
        "delegate",
    ),
    DemoUser(
        "wang.lei",
        "王磊",
        "wang.lei@example.org",
        "ministry",
        "Bureau of Radio and Information Policy",
        "CHN",
        "delegate",
    ),
    DemoUser(
        "chen.yu",
        "陈雨",
        "chen.yu@example.org",
        "company",
        "Huaxing Satellite Communications Co., Ltd.",
        "CHN",
        "delegate",
    ),
    DemoUser(
        "ananya.rao",
        "Ananya Rao",
        "ananya.rao@example.org",
        "ministry",
        "Department of Telecommunications and Digital Services",
        "IND",
        "delegate",
    ),
    DemoUser(
        "ahmed.farouk",
        "أحمد فاروق",
        "ahmed.farouk@example.org",
        "regulator",
        "National Authority for Telecommunication Regulation",
        "EGY",
        "delegate",
    ),
    DemoUser(
        "noura.alqahtani",
        "نورة القحطاني",
        "noura.alqahtani@example.org",
        "regulator",
        "Digital Markets and Spectrum Commission",
        "SAU",
        "delegate",
    ),
    DemoUser(
        "fatima.alhashimi",
        "Fatima Al Hashimi",
        "fatima.alhashimi@example.org",
        "ministry",
        "Ministry of Infrastructure and Digital Transformation",
        "ARE",
        "delegate",
    ),
    DemoUser(
        "wanjiru.kamau",
        "Wanjiru Kamau",
        "wanjiru.kamau@example.org",
        "regulator",
        "Communications Regulatory Board",
        "KEN",
        "delegate",
    ),
    DemoUser(
        "otieno.ouma",
        "Otieno Ouma",
        "otieno.ouma@example.org",
        "civil_society",
        "Open Networks Forum East Africa",
        "KEN",
        "delegate",
    ),
    DemoUser(
        "camille.bernard",
        "Camille Bernard",
        "camille.bernard@example.org",
        "ministry",
        "Ministère de l'Économie numérique",
        "FRA",
        "delegate",
    ),
    DemoUser(
        "julien.moreau",
        "Julien Moreau",
        "julien.moreau@example.org",
        "company",
        "Thalassa Câbles Sous-Marins SA",
        "FRA",
        "delegate",
    ),
    DemoUser(
        "lukas.becker",
        "Lukas Becker",
        "lukas.becker@example.org",
        "regulator",
        "Federal Office for Networks and Spectrum",
        "DEU",
        "delegate",
    ),
    DemoUser(
        "sophie.wagner",
        "Dr. Sophie Wagner",
        "sophie.wagner@example.org",
        "academia",
        "Institute for Communications Law, University of Rheinfeld",
        "DEU",
        "delegate",
    ),
    DemoUser(
        "ivan.sokolov",
        "Иван Соколов",
        "ivan.sokolov@example.org",
        "ministry",
        "Ministry of Digital Development and Communications",
        "RUS",
        "delegate",
    ),
    DemoUser(
        "aigerim.nurlanova",
        "Айгерим Нурланова",
        "aigerim.nurlanova@example.org",
        "ministry",
        "Ministry of Digital Development and Space Industry",
        "KAZ",
        "delegate",
    ),
    DemoUser(
        "lucas.oliveira",
        "Lucas Oliveira",
        "lucas.oliveira@example.org",
        "regulator",
        "National Agency for Telecommunications and Spectrum",
        "BRA",
        "delegate",
    ),
    DemoUser(
        "emily.nguyen",
        "Emily Nguyen",
        "emily.nguyen@example.org",
        "academia",
        "Centre for Rural Connectivity, Coral Coast University",
        "AUS",
        "delegate",
    ),
    DemoUser(
        "tomas.rivera",
        "Tomás Rivera",
        "tomas.rivera@example.org",
        "civil_society",
        "Global Connectivity Alliance",
        None,
        "observer",
    ),
)

DOCUMENTS: tuple[DemoDocument, ...] = (
    DemoDocument(
        working_group="WG-PL",
        symbol="WG-PL/DT/12",
        title="Bridging the digital divide through affordable satellite connectivity",
        kind="resolution",
        text_file="satellite_connectivity.txt",
    ),
    DemoDocument(
        working_group="WG-PL",
        symbol="WG-PL/DT/15",
        title="Resilience of submarine telecommunication cables",
        kind="resolution",
        text_file="submarine_cables.txt",
    ),
    DemoDocument(
        working_group="COM5/WG-B",
        symbol="COM5/WG-B/DT/7",
        title="Multilingualism in ITU documents and meetings",
        kind="resolution",
        text_file="multilingualism.txt",
    ),
)

_TEXT_FILE_NAME = re.compile(r"[a-z0-9_]+\.txt")


def load_text(filename: str) -> str:
    """Return the text of a demo document shipped in ``app/demo/texts``."""
    if not _TEXT_FILE_NAME.fullmatch(filename):
        raise ValueError(f"not a demo text file name: {filename!r}")
    return (resources.files("app.demo") / "texts" / filename).read_text(encoding="utf-8")
