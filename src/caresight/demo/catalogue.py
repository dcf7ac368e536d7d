"""What the demo provider sells and to whom: customer types, products, roles, regions.

Pure data, indexed by position so that generators can draw codes with numpy and turn
them into names at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CustomerType:
    name: str
    share: float
    users: tuple[int, int]  # licensed users, smallest and largest customer
    dedicated_share: float  # how many run on their own environment
    onboarding_days: tuple[int, int]  # planned kickoff-to-go-live
    nouns: tuple[str, ...]  # for account names


CUSTOMER_TYPES: tuple[CustomerType, ...] = (
    CustomerType("hospital", 0.15, (60, 320), 0.45, (150, 240),
                 ("General Hospital", "Medical Center", "Regional Hospital")),
    CustomerType("specialty_clinic", 0.25, (10, 55), 0.04, (60, 100),
                 ("Orthopedic Clinic", "Eye Clinic", "Heart Clinic", "Skin Clinic")),
    CustomerType("primary_care", 0.30, (6, 28), 0.02, (45, 80),
                 ("Family Practice", "Health Center", "Primary Care")),
    CustomerType("laboratory", 0.15, (8, 45), 0.08, (70, 120),
                 ("Diagnostics", "Laboratories", "Pathology")),
    CustomerType("home_care", 0.15, (10, 70), 0.03, (50, 90),
                 ("Home Care", "Home Health", "Community Care")),
)
TYPE_NAMES = tuple(t.name for t in CUSTOMER_TYPES)
HOSPITAL, SPECIALTY, PRIMARY, LABORATORY, HOME_CARE = range(len(CUSTOMER_TYPES))

REGIONS = ("emea", "north_america", "apac")
REGION_SHARES = (0.40, 0.42, 0.18)

#: Price lists exist per currency; the list price in USD is divided by these reference
#: rates, so that moving FX rates (not price lists) make the reported swings.
CURRENCIES = ("USD", "EUR", "GBP")
LIST_RATE = np.array([1.0, 1.10, 1.27])
FX_START = {"EUR": 1.08, "GBP": 1.26}

CHANNELS = ("direct", "white_label", "oem", "reseller")
#: White-label and OEM partners deliver most of their deals themselves; their shares are
#: large enough that each of them takes a few dozen projects live in a default world.
CHANNEL_SHARES = (0.40, 0.18, 0.17, 0.25)
DIRECT, WHITE_LABEL, OEM, RESELLER = range(len(CHANNELS))

TIERS = ("standard", "premium", "enterprise")
#: Monthly cost of customer success per account, by tier, in USD.
SUCCESS_COST = np.array([40.0, 120.0, 350.0])

BILLING_PERIODS = np.array([1, 3, 12])


@dataclass(frozen=True)
class Product:
    name: str
    category: str  # module, hosting, support, compliance
    per_user: float  # USD per licensed user per month
    minimum: float  # USD per month
    workflows: tuple[str, ...] = ()


PRODUCTS: tuple[Product, ...] = (
    Product("patient_administration", "module", 9.0, 250.0,
            ("register_patient", "admit_patient", "discharge_patient")),
    Product("scheduling", "module", 6.0, 200.0,
            ("book_appointment", "reschedule_appointment", "check_in_patient")),
    Product("billing", "module", 7.0, 200.0, ("post_invoice", "submit_claim", "record_payment")),
    Product("laboratory", "module", 10.0, 300.0,
            ("order_test", "record_result", "validate_result")),
    Product("pharmacy", "module", 7.0, 250.0, ("verify_prescription", "dispense_medication")),
    Product("inventory", "module", 4.0, 150.0, ("receive_stock", "issue_stock", "count_stock")),
    Product("finance", "module", 4.0, 150.0, ("post_journal", "reconcile_bank", "close_period")),
    Product("reporting", "module", 3.0, 100.0, ("run_report", "export_dashboard")),
    Product("care_planning", "module", 6.0, 200.0, ("plan_visit", "record_visit")),
    Product("telehealth", "module", 4.0, 150.0, ("start_video_visit", "send_message")),
    Product("managed_hosting_dedicated", "hosting", 0.0, 3200.0),
    Product("managed_hosting_premium", "hosting", 2.0, 450.0),
    Product("premium_support", "support", 3.0, 300.0),
    Product("compliance_bundle", "compliance", 2.0, 250.0),
)
PRODUCT_NAMES = tuple(p.name for p in PRODUCTS)
PRODUCT_CATEGORIES = tuple(p.category for p in PRODUCTS)
MODULES = tuple(i for i, p in enumerate(PRODUCTS) if p.category == "module")
DEDICATED_HOSTING = PRODUCT_NAMES.index("managed_hosting_dedicated")
HOSTING_UPGRADE = PRODUCT_NAMES.index("managed_hosting_premium")
PREMIUM_SUPPORT = PRODUCT_NAMES.index("premium_support")
COMPLIANCE = PRODUCT_NAMES.index("compliance_bundle")

#: Chance that a new customer of each type (rows) buys each module (columns, in MODULES
#: order) at signing. The first column is the core module everyone has.
INITIAL_MODULES = np.array([
    # pat  sched bill  lab   pharm inv   fin   rep   care  tele
    [1.0, 1.0, 1.0, 0.8, 0.7, 0.5, 0.5, 0.3, 0.0, 0.1],  # hospital
    [1.0, 1.0, 0.9, 0.0, 0.0, 0.1, 0.1, 0.2, 0.0, 0.3],  # specialty clinic
    [1.0, 1.0, 0.9, 0.0, 0.0, 0.0, 0.1, 0.1, 0.0, 0.3],  # primary care
    [1.0, 0.3, 0.9, 1.0, 0.0, 0.4, 0.2, 0.3, 0.0, 0.0],  # laboratory
    [1.0, 1.0, 0.8, 0.0, 0.1, 0.1, 0.1, 0.1, 0.9, 0.3],  # home care
])
#: Chance that an account paying for a module actually takes it up (columns in MODULES
#: order), before its own adoption lowers it: inventory and reporting are often bought
#: with a bundle and then left aside.
MODULE_TAKE_UP = np.array([1.0, 0.97, 0.95, 0.95, 0.9, 0.4, 0.75, 0.45, 0.9, 0.6])
#: Modules a type may add later (1) or never needs (0); same layout as INITIAL_MODULES.
AVAILABLE_MODULES = np.array([
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1],
    [1, 1, 1, 0, 0, 1, 1, 1, 0, 1],
    [1, 1, 1, 0, 0, 1, 1, 1, 0, 1],
    [1, 1, 1, 1, 0, 1, 1, 1, 0, 0],
    [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
], dtype=bool)

WORKFLOW_NAMES = tuple(w for p in PRODUCTS for w in p.workflows)
#: For each product, the index of its first workflow in WORKFLOW_NAMES and how many.
WORKFLOW_OFFSET = np.cumsum([0] + [len(p.workflows) for p in PRODUCTS])[:-1]
WORKFLOW_COUNT = np.array([len(p.workflows) for p in PRODUCTS])

ROLES = ("physician", "nurse", "front_desk", "billing_clerk", "administrator", "lab_technician")
#: Role mix per customer type (rows follow CUSTOMER_TYPES).
ROLE_MIX = np.array([
    [0.22, 0.40, 0.12, 0.10, 0.08, 0.08],
    [0.35, 0.25, 0.20, 0.12, 0.08, 0.00],
    [0.35, 0.25, 0.22, 0.12, 0.06, 0.00],
    [0.05, 0.05, 0.12, 0.12, 0.08, 0.58],
    [0.10, 0.60, 0.10, 0.10, 0.10, 0.00],
])
#: How often a role uses the product, relative to the account's adoption.
ROLE_ACTIVITY = np.array([0.75, 1.0, 1.05, 1.05, 0.9, 1.05])
#: How likely a role's licensed users are to never work in the product, relative to the
#: account's share of such users: physicians often leave the system to others.
ROLE_DORMANCY = np.array([2.4, 1.0, 0.6, 0.4, 1.4, 0.7])
#: Days over which a role's use ramps up after go-live: physicians adopt slowly.
ROLE_RAMP_DAYS = np.array([120.0, 45.0, 25.0, 25.0, 50.0, 30.0])
#: Which modules a role works in (rows follow ROLES, columns MODULES order): billing
#: clerks live in billing and finance, laboratory technicians in the laboratory module.
ROLE_MODULES = np.array([
    # pat  sched bill  lab   pharm inv   fin   rep   care  tele
    [1.0, 0.3, 0.03, 0.9, 0.6, 0.01, 0.01, 0.2, 0.5, 0.8],  # physician
    [1.0, 0.5, 0.03, 0.5, 0.8, 0.2, 0.01, 0.1, 1.0, 0.4],  # nurse
    [1.0, 1.3, 0.5, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.3],  # front desk
    [0.25, 0.15, 1.6, 0.03, 0.03, 0.1, 0.9, 0.3, 0.01, 0.01],  # billing clerk
    [0.5, 0.3, 0.3, 0.1, 0.1, 0.6, 0.6, 1.0, 0.1, 0.1],  # administrator
    [0.4, 0.1, 0.03, 1.6, 0.05, 0.5, 0.01, 0.2, 0.01, 0.01],  # lab technician
])
DEPARTMENTS = ("outpatient", "inpatient", "radiology", "laboratory", "finance", "administration")
#: Department of each role's users (rows follow ROLES).
ROLE_DEPARTMENTS = np.array([
    [0.55, 0.30, 0.15, 0.00, 0.00, 0.00],
    [0.45, 0.55, 0.00, 0.00, 0.00, 0.00],
    [0.80, 0.00, 0.05, 0.00, 0.00, 0.15],
    [0.00, 0.00, 0.00, 0.00, 1.00, 0.00],
    [0.00, 0.00, 0.00, 0.00, 0.10, 0.90],
    [0.00, 0.00, 0.00, 1.00, 0.00, 0.00],
])
COURSES = ("clinical_essentials", "nursing_workflows", "front_desk_essentials",
           "billing_essentials", "system_administration", "laboratory_workflows",
           "data_privacy")
#: The role course of each role is COURSES[role]; everyone may also get data_privacy.
PRIVACY_COURSE = COURSES.index("data_privacy")

INTEGRATIONS = ("hl7_adt", "fhir_results", "lab_interface", "payer_eligibility", "sso")
#: Chance a project of each type needs each integration, and chance it is a go-live gate.
INTEGRATION_NEED = np.array([
    [1.0, 0.8, 0.8, 0.7, 0.9],
    [0.3, 0.5, 0.1, 0.8, 0.5],
    [0.3, 0.5, 0.2, 0.8, 0.4],
    [0.4, 0.9, 1.0, 0.4, 0.4],
    [0.5, 0.3, 0.1, 0.6, 0.4],
])
INTEGRATION_GATE = np.array([0.9, 0.5, 0.9, 0.6, 0.3])

MILESTONES = ("kickoff", "data_migration", "integration", "training", "uat", "go_live")
#: Where each milestone sits between kickoff (0) and go-live (1).
MILESTONE_AT = np.array([0.0, 0.45, 0.6, 0.75, 0.88, 1.0])
EXPANSION_MILESTONES = np.array([0, 3, 5])  # kickoff, training, go_live

TICKET_CATEGORIES = ("how_to", "configuration", "defect", "data", "integration", "access",
                     "outage")
#: Category mix of everyday tickets and of tickets caused by a fresh implementation.
TICKET_MIX_STEADY = np.array([0.30, 0.14, 0.16, 0.10, 0.10, 0.15, 0.05])
TICKET_MIX_LAUNCH = np.array([0.18, 0.30, 0.07, 0.22, 0.18, 0.05, 0.00])
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
CAUSE_OWNERS = ("platform", "partner", "customer", "third_party", "unknown")
#: First-response targets in hours by severity (sev1..sev4).
RESPONSE_TARGET_HOURS = np.array([0.5, 2.0, 8.0, 24.0])

PARTNER_TIERS = ("strategic", "established", "developing", "probation")
PARTNER_TYPES = ("reseller", "white_label", "oem", "implementation")

PLACES = (
    "Riverside", "Maple", "Harbor", "Summit", "Lakeside", "Oakwood", "Northgate", "Silver",
    "Cedar", "Westfield", "Brookside", "Highland", "Kingsbridge", "Bayview", "Elmstead",
    "Granite", "Fairview", "Ashford", "Pinecrest", "Stonebridge", "Meadow", "Clearwater",
    "Redwood", "Eastbrook", "Hillcrest", "Willow", "Southport", "Greenfield", "Hawthorn",
    "Larkspur", "Millbrook", "Northwood", "Orchard", "Parkside", "Queensway", "Rosewood",
    "Sunnyside", "Thornbury", "Valley", "Windmere",
)
PARTNER_WORDS = (
    "Meridian", "Vantage", "Apex", "Helix", "Beacon", "Crescent", "Keystone", "Pioneer",
    "Sterling", "Vertex", "Horizon", "Atlas", "Cobalt", "Zenith", "Lumen", "Nimbus",
)
PARTNER_SUFFIX = {
    "reseller": "Health Channels",
    "white_label": "Care Cloud",
    "oem": "Clinical Systems",
    "implementation": "Implementation Group",
}
CSM_FIRST = ("Alex", "Priya", "Jonas", "Maria", "Tom", "Aiko", "Lena", "Omar", "Chloe",
             "Daniel", "Sofia", "Ravi")
CSM_LAST = ("Morgan", "Shah", "Berg", "Rossi", "Becker", "Tanaka", "Novak", "Haddad",
            "Martin", "Kim", "Costa", "Patel")
#: Distinct customer success managers the names above make.
CSM_POOL = len(CSM_FIRST) * len(CSM_LAST)
CSM_NAMES = tuple(
    f"{CSM_FIRST[i % len(CSM_FIRST)]} {CSM_LAST[(i // len(CSM_FIRST) + i) % len(CSM_LAST)]}"
    for i in range(CSM_POOL)
)
