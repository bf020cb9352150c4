"""The demo network, merchants and catalogue that ``manage.py seed_demo`` loads.

Everything here is invented for demonstration except the HS codes (HS 2022 subheadings
chosen for each product) and the trade-identifier formats, which pass the project's
validators. Addresses are real-looking, not real premises. Natural keys (slugs, codes,
usernames, SKUs) make the seed idempotent, so change them only with care.
"""

from decimal import Decimal
from typing import NamedTuple

DEMO_PASSWORD = "crossdock-demo"  # noqa: S105 - published demo credential, shown on screen by the seed
DEMO_LANE_CONFIDENCE = "demo"
DEMO_LANE_SOURCE = "Crossdock demo estimate"

OPERATOR = {
    "username": "operator",
    "email": "operator@crossdock.example.com",
    "first_name": "Olu",
    "last_name": "Adeyemi",
}

# slug → partner fields; users: (username, email, first name, last name)
PARTNERS: dict[str, dict] = {
    "pacific-crest": {
        "name": "Pacific Crest Fulfillment, Inc.",
        "contact_email": "ops@pacificcrest.example.com",
        "sla_acknowledge_hours": 4,
        "sla_ship_days": 1,
        "users": (("pacificcrest.ops", "dana.whitfield@pacificcrest.example.com", "Dana", "Whitfield"),),
    },
    "hanseatic-logistik": {
        "name": "Hanseatic Logistik GmbH",
        "contact_email": "leitstand@hanseatic-logistik.example.com",
        "sla_acknowledge_hours": 6,
        "sla_ship_days": 2,
        "users": (("hanseatic.ops", "jonas.petersen@hanseatic-logistik.example.com", "Jonas", "Petersen"),),
    },
    "southern-cross-3pl": {
        "name": "Southern Cross 3PL Pty Ltd",
        "contact_email": "dispatch@southerncross3pl.example.com",
        "sla_acknowledge_hours": 8,
        "sla_ship_days": 2,
        "users": (("southerncross.ops", "mia.thompson@southerncross3pl.example.com", "Mia", "Thompson"),),
    },
}


class DemoWarehouse(NamedTuple):
    code: str
    name: str
    role: str
    partner: str  # partner slug, or "" for a platform warehouse
    address_line1: str
    city: str
    region: str
    postal_code: str
    country: str
    time_zone: str
    capacity_units: int
    capacity_m3: Decimal
    handling_time_hours: int


# fmt: off
W = DemoWarehouse
WAREHOUSES: tuple[DemoWarehouse, ...] = (
    # Asia warehouses: stock for buyers in Asia-Pacific.
    W("CN-SZX1", "Shenzhen Asia Warehouse", "asia_warehouse", "", "Building 3, Fuyong Logistics Park, 1 Fengtang Avenue", "Shenzhen", "Guangdong", "518103", "CN", "Asia/Shanghai", 450_000, Decimal("18000"), 24),  # noqa: E501
    W("IN-BOM1", "Mumbai Asia Warehouse", "asia_warehouse", "", "Gala 4, Rajlaxmi Logistics Park, Vadpe", "Bhiwandi", "Maharashtra", "421302", "IN", "Asia/Kolkata", 250_000, Decimal("12000"), 36),  # noqa: E501
    # Origin FCs: where FBA cross-border stock starts.
    W("CN-CAN1", "Guangzhou Origin FC", "origin_fc", "", "12 Konggang 3rd Road, Huadu District", "Guangzhou", "Guangdong", "510800", "CN", "Asia/Shanghai", 600_000, Decimal("25000"), 24),  # noqa: E501
    W("IN-DEL1", "Delhi NCR Origin FC", "origin_fc", "", "Plot 17, Sector 37, Pace City II", "Gurugram", "Haryana", "122004", "IN", "Asia/Kolkata", 300_000, Decimal("14000"), 36),  # noqa: E501
    W("US-PDX1", "Portland Origin FC", "origin_fc", "", "2400 NW Graham Road", "Troutdale", "OR", "97060", "US", "America/Los_Angeles", 200_000, Decimal("16000"), 24),  # noqa: E501
    # Destination DCs: where FBA cross-border transfers arrive.
    W("US-LAX2", "Los Angeles Destination DC", "destination_dc", "", "2125 W San Bernardino Avenue", "Redlands", "CA", "92374", "US", "America/Los_Angeles", 1_000_000, Decimal("60000"), 24),  # noqa: E501
    W("DE-LEJ1", "Leipzig Destination DC", "destination_dc", "", "Radefelder Allee 20", "Schkeuditz", "Sachsen", "04435", "DE", "Europe/Berlin", 700_000, Decimal("40000"), 24),  # noqa: E501
    # Global warehouses: stock imported ahead of demand, shipped domestically.
    W("US-ONT1", "Ontario Global Warehouse", "global_warehouse", "", "4000 E Airport Drive", "Ontario", "CA", "91761", "US", "America/Los_Angeles", 800_000, Decimal("40000"), 12),  # noqa: E501
    W("DE-FRA1", "Frankfurt Global Warehouse", "global_warehouse", "", "Am Prime Parc 11", "Raunheim", "Hessen", "65479", "DE", "Europe/Berlin", 500_000, Decimal("26000"), 24),  # noqa: E501
    W("GB-LTN1", "London Luton Global Warehouse", "global_warehouse", "", "Unit 4, Marston Gate, Brogborough Hill", "Ridgmont", "Bedfordshire", "MK43 0YA", "GB", "Europe/London", 450_000, Decimal("22000"), 24),  # noqa: E501
    W("JP-NRT1", "Tokyo Narita Global Warehouse", "global_warehouse", "", "1-2 Tenjinmine", "Narita", "Chiba", "286-0106", "JP", "Asia/Tokyo", 300_000, Decimal("15000"), 24),  # noqa: E501
    W("AU-SYD1", "Sydney Global Warehouse", "global_warehouse", "", "5 Moorebank Avenue", "Moorebank", "NSW", "2170", "AU", "Australia/Sydney", 250_000, Decimal("14000"), 24),  # noqa: E501
    # Partner 3PLs: the virtual-warehouse mode.
    W("US-RNO1", "Pacific Crest Reno", "partner_3pl", "pacific-crest", "1111 Trademark Drive", "Reno", "NV", "89521", "US", "America/Los_Angeles", 150_000, Decimal("9000"), 24),  # noqa: E501
    W("DE-HAM1", "Hanseatic Logistik Hamburg", "partner_3pl", "hanseatic-logistik", "Ellerholzdamm 50", "Hamburg", "Hamburg", "20457", "DE", "Europe/Berlin", 120_000, Decimal("7000"), 24),  # noqa: E501
    W("AU-MEL1", "Southern Cross Melbourne", "partner_3pl", "southern-cross-3pl", "45 Fulton Drive", "Derrimut", "VIC", "3026", "AU", "Australia/Melbourne", 100_000, Decimal("6000"), 36),  # noqa: E501
)
del W
# fmt: on

# Lanes the network needs that the reference table does not cover, in the table's columns:
# (origin, destination, transport, transit days min, max, clearance hours min, max).
# Figures are estimates in line with the reference lanes, marked as such on each lane.
DEMO_LANES: tuple[tuple, ...] = (
    ("CN", "GB", "air_express", 3, 6, 1, 24),
    ("CN", "GB", "air_freight", 6, 10, 4, 48),
    ("CN", "GB", "ocean", 30, 45, 48, 120),
    ("CN", "AU", "air_freight", 4, 8, 4, 48),
    ("CN", "AU", "ocean", 14, 22, 24, 72),
    ("CN", "SG", "air_freight", 2, 4, 4, 24),
    ("CN", "IN", "air_freight", 3, 6, 24, 96),
    ("IN", "US", "air_freight", 5, 9, 4, 48),
    ("IN", "US", "ocean", 25, 35, 24, 72),
    ("IN", "EU", "air_freight", 4, 8, 4, 48),
    ("IN", "EU", "ocean", 20, 30, 48, 120),
    ("IN", "GB", "air_freight", 4, 7, 4, 48),
    ("IN", "AU", "air_freight", 4, 8, 4, 48),
    ("IN", "JP", "air_freight", 4, 7, 4, 48),
    ("IN", "SG", "air_freight", 2, 4, 4, 24),
    ("US", "CA", "truck", 2, 5, 2, 24),
    ("US", "EU", "air_freight", 3, 6, 4, 48),
    ("US", "EU", "ocean", 12, 20, 48, 120),
    ("US", "GB", "air_freight", 3, 6, 4, 48),
    ("US", "AU", "air_freight", 4, 8, 4, 48),
    ("GB", "EU", "truck", 2, 4, 4, 48),
    ("EU", "GB", "truck", 2, 4, 4, 48),
    ("GB", "US", "air_freight", 3, 6, 4, 48),
    ("GB", "GB", "last_mile", 1, 2, None, None),
    ("AU", "AU", "last_mile", 2, 5, None, None),
    ("CN", "CN", "last_mile", 1, 3, None, None),
    ("IN", "IN", "last_mile", 2, 6, None, None),
)

# slug → merchant fields (as ``merchant_create`` takes them) and its users:
# (username, email, first name, last name, role). The first user is the owner.
MERCHANTS: dict[str, dict] = {
    "shenzhen-brightwave": {
        "fields": {
            "name": "Shenzhen Brightwave Electronics Co., Ltd.",
            "home_country": "CN",
            "currency": "USD",
            "contact_name": "Chen Jie",
            "phone": "+86 755 8612 3456",
            "address_line1": "Room 1805, Tower B, Tian'an Cyber Times Building",
            "address_line2": "Futian District",
            "city": "Shenzhen",
            "region": "Guangdong",
            "postal_code": "518040",
            "country": "CN",
            # EU registrations through its Dutch intermediary and German VAT registration.
            "eori_number": "DE5917403826514",
            "ioss_number": "IM5280041736",
            "vat_number": "DE315826940",
        },
        "users": (
            ("shenzhen.owner", "chen.jie@brightwave.example.com", "Jie", "Chen", "owner"),
            ("shenzhen.staff", "wang.fang@brightwave.example.com", "Fang", "Wang", "staff"),
            ("shenzhen.viewer", "liu.yang@brightwave.example.com", "Yang", "Liu", "viewer"),
        ),
        "product_defaults": {"origin_country": "CN", "declared_currency": "USD"},
    },
    "jaipur-loom": {
        "fields": {
            "name": "Jaipur Loom Textiles Pvt. Ltd.",
            "home_country": "IN",
            "currency": "INR",
            "contact_name": "Priya Sharma",
            "phone": "+91 141 255 7788",
            "address_line1": "E-112, RIICO Industrial Area, Sitapura",
            "city": "Jaipur",
            "region": "Rajasthan",
            "postal_code": "302022",
            "country": "IN",
            "eori_number": "GB205672212000",
        },
        "users": (
            ("jaipur.owner", "priya.sharma@jaipurloom.example.com", "Priya", "Sharma", "owner"),
            ("jaipur.staff", "arjun.mehta@jaipurloom.example.com", "Arjun", "Mehta", "staff"),
        ),
        "product_defaults": {"origin_country": "IN", "declared_currency": "USD"},
    },
    "cascade-ridge": {
        "fields": {
            "name": "Cascade Ridge Outdoor Co.",
            "home_country": "US",
            "currency": "USD",
            "contact_name": "Evan Brooks",
            "phone": "+1 503 555 0142",
            "address_line1": "1230 NW Marshall Street",
            "city": "Portland",
            "region": "OR",
            "postal_code": "97209",
            "country": "US",
            "eori_number": "NL859270416",
        },
        "users": (("cascade.owner", "evan.brooks@cascaderidge.example.com", "Evan", "Brooks", "owner"),),
        "product_defaults": {"origin_country": "VN", "declared_currency": "USD"},
    },
    "albion-rhein": {
        "fields": {
            "name": "Albion & Rhein Cosmetics Ltd",
            "home_country": "GB",
            "currency": "GBP",
            "contact_name": "Charlotte Hughes",
            "phone": "+44 20 7946 0321",
            "address_line1": "Unit 7, Hackney Wick Studios, 92 White Post Lane",
            "city": "London",
            "postal_code": "E9 5EN",
            "country": "GB",
            "eori_number": "GB482716331000",
            "vat_number": "GB482716331",
        },
        "users": (
            ("albion.owner", "charlotte.hughes@albionrhein.example.com", "Charlotte", "Hughes", "owner"),
            ("albion.viewer", "lukas.becker@albionrhein.example.com", "Lukas", "Becker", "viewer"),
        ),
        "product_defaults": {"origin_country": "GB", "declared_currency": "GBP"},
    },
}


class DemoProduct(NamedTuple):
    sku: str
    title: str
    hs_code: str
    declared_value: str
    weight_kg: str
    dimensions_cm: tuple[str, str, str]  # length, width, height
    flags: str = ""  # b = batteries, l = liquids, d = dangerous goods
    origin_country: str = ""  # blank: the merchant's default


# fmt: off
P = DemoProduct
PRODUCTS: dict[str, tuple[DemoProduct, ...]] = {
    "shenzhen-brightwave": (
        P("BW-EB100", "Brightwave Pulse ANC wireless earbuds", "851830", "24.50", "0.085", ("10", "8", "4"), "b"),
        P("BW-HP200", "Brightwave Studio over-ear Bluetooth headphones", "851830", "38.00", "0.320", ("22", "19", "9"), "b"),  # noqa: E501
        P("BW-PB10K", "10,000 mAh slim power bank, USB-C PD 20 W", "850760", "11.20", "0.210", ("15", "7.2", "1.6"), "b"),  # noqa: E501
        P("BW-PB20K", "20,000 mAh power bank with display, 65 W", "850760", "21.80", "0.430", ("16", "8", "2.8"), "b"),
        P("BW-CH65", "65 W GaN USB-C charger, 3 ports", "850440", "13.60", "0.140", ("7", "7", "3.2")),
        P("BW-CB2M", "Braided USB-C to USB-C cable, 2 m, 100 W", "854442", "2.40", "0.060", ("12", "9", "2")),
        P("BW-SW01", "Brightwave Fit smartwatch, 1.43-inch AMOLED", "851762", "29.00", "0.090", ("11", "9", "6"), "b"),
        P("BW-SPK5", "Portable Bluetooth speaker, IPX7", "851822", "17.40", "0.550", ("19", "8", "8"), "b"),
        P("BW-KB87", "87-key mechanical keyboard, hot-swappable", "847160", "27.50", "0.950", ("40", "16", "5")),
        P("BW-MS02", "Silent wireless mouse, 2.4 GHz", "847160", "5.80", "0.090", ("12", "7", "4")),
        P("BW-WC4K", "4K webcam with dual microphones", "852589", "26.00", "0.220", ("12", "10", "8")),
        P("BW-SSD1T", "1 TB portable SSD, USB 3.2 Gen 2", "847170", "48.00", "0.070", ("11", "7", "2")),
        P("BW-SD128", "128 GB microSDXC card, A2 V30", "852351", "6.20", "0.010", ("9", "6", "1")),
        P("BW-NB14", "Brightwave Air 14-inch laptop, 16 GB / 512 GB", "847130", "389.00", "1.850", ("38", "26", "6"), "b"),  # noqa: E501
        P("BW-PC15", "Clear magnetic phone case", "392690", "1.90", "0.040", ("18", "10", "2")),
        P("BW-RC01", "Stunt RC car, 2.4 GHz, rechargeable", "950300", "15.50", "0.620", ("30", "20", "12"), "b"),
        P("BW-LED5", "Dimmable LED desk lamp with USB port", "940542", "16.90", "0.900", ("45", "15", "10")),
        P("BW-HD01", "Folding ionic hair dryer, 1600 W", "851631", "18.40", "0.580", ("25", "20", "10")),
    ),
    "jaipur-loom": (
        P("JL-TS-WHT-M", "Organic cotton crew-neck T-shirt, white, M", "610910", "4.80", "0.180", ("30", "25", "2")),
        P("JL-TS-IND-L", "Indigo hand-dyed cotton T-shirt, L", "610910", "6.20", "0.200", ("30", "25", "2")),
        P("JL-KRT-01", "Block-printed cotton kurta, women's", "620630", "11.00", "0.260", ("34", "26", "3")),
        P("JL-DRS-02", "Hand-block-printed cotton maxi dress", "620442", "14.50", "0.350", ("35", "28", "4")),
        P("JL-SHR-03", "Men's khadi cotton shirt", "620520", "9.80", "0.280", ("34", "26", "4")),
        P("JL-PNT-04", "Women's cotton palazzo trousers", "620462", "8.40", "0.300", ("33", "26", "4")),
        P("JL-BED-Q", "Sanganeri block-print bedsheet set, queen", "630221", "18.00", "1.250", ("38", "30", "7")),
        P("JL-BED-K", "White cotton percale bedsheet set, king", "630231", "21.00", "1.450", ("40", "32", "8")),
        P("JL-CUS-45", "Embroidered cotton cushion cover, 45 × 45 cm", "630492", "3.90", "0.150", ("25", "20", "2")),
        P("JL-SHW-PA", "Pashmina wool shawl, 70 × 200 cm", "621420", "24.00", "0.220", ("30", "25", "3")),
        P("JL-SCF-SK", "Banarasi silk scarf", "621410", "12.50", "0.080", ("25", "20", "2")),
        P("JL-DHR-46", "Handwoven cotton dhurrie rug, 120 × 180 cm", "570299", "27.00", "2.400", ("62", "20", "20")),
        P("JL-TWL-BT", "Cotton terry bath towel, 70 × 140 cm", "630260", "5.60", "0.550", ("30", "25", "8")),
        P("JL-BAG-JT", "Jute and cotton tote bag", "420292", "4.40", "0.250", ("40", "35", "2")),
        P("JL-JWL-JH", "Oxidised jhumka earrings, silver-plated brass", "711719", "3.20", "0.030", ("10", "8", "2")),
        P("JL-JWL-925", "Sterling silver stacking rings, set of 3", "711311", "11.00", "0.020", ("8", "8", "3")),
        P("JL-TBL-SH", "Sheesham wood side table", "940360", "42.00", "6.800", ("50", "45", "15")),
    ),
    "cascade-ridge": (
        P("CR-TNT-2P", "Ridgeline 2-person backpacking tent", "630622", "68.00", "1.650", ("45", "15", "15")),
        P("CR-SBG-20", "Summit 20°F down sleeping bag", "940430", "84.00", "1.100", ("38", "22", "22")),
        P("CR-BPK-45", "Switchback 45 L hiking backpack", "420292", "39.00", "1.300", ("60", "32", "20")),
        P("CR-BPK-22", "Trailhead 22 L daypack", "420292", "18.50", "0.620", ("45", "28", "15")),
        P("CR-BT-M10", "Granite waterproof hiking boot, men's 10", "640391", "52.00", "1.350", ("33", "22", "13")),
        P("CR-TR-W8", "Switchback trail running shoe, women's 8", "640411", "34.00", "0.620", ("31", "20", "11")),
        P("CR-JKT-M", "Stormline packable rain jacket, men's M", "620140", "29.50", "0.350", ("30", "25", "5"), "", "CN"),  # noqa: E501
        P("CR-FLC-L", "Recycled fleece pullover, L", "611030", "17.00", "0.420", ("32", "26", "6"), "", "CN"),
        P("CR-BTL-32", "Insulated stainless steel bottle, 32 oz", "961700", "9.80", "0.450", ("27", "10", "10"), "", "CN"),  # noqa: E501
        P("CR-MUG-12", "Stainless steel camp mug, 12 oz", "732393", "4.20", "0.220", ("12", "10", "10"), "", "CN"),
        P("CR-DSH-SET", "Camp dish set for four, BPA-free", "392410", "7.60", "0.580", ("25", "25", "10"), "", "CN"),
        P("CR-HDL-400", "400-lumen rechargeable headlamp", "851310", "11.40", "0.090", ("12", "8", "6"), "b", "CN"),
        P("CR-CHR-01", "Folding camp chair, aluminium frame", "940179", "19.50", "1.200", ("42", "15", "15"), "", "CN"),
        P("CR-SNG-PL", "Polarised sport sunglasses", "900410", "6.50", "0.050", ("17", "7", "5"), "", "CN"),
        P("CR-BNE-01", "Merino wool beanie", "650500", "7.20", "0.080", ("22", "18", "3"), "", "US"),
        P("CR-TRK-PR", "Carbon trekking poles, pair", "660200", "24.00", "0.460", ("66", "10", "8"), "", "CN"),
        P("CR-RES-BND", "Resistance band set, five levels", "950691", "6.80", "0.400", ("20", "15", "6"), "", "CN"),
    ),
    "albion-rhein": (
        P("AR-SRM-30", "Hyaluronic hydrating serum, 30 ml", "330499", "6.40", "0.090", ("12", "5", "5"), "l"),
        P("AR-CRM-50", "Rich night cream, 50 ml", "330499", "7.80", "0.160", ("8", "8", "7"), "l"),
        P("AR-SPF-50", "Daily mineral sunscreen SPF 50, 50 ml", "330499", "6.90", "0.080", ("15", "5", "3"), "l"),
        P("AR-HND-75", "Shea hand cream, 75 ml", "330499", "3.60", "0.100", ("14", "5", "3"), "l", "DE"),
        P("AR-LIP-RD", "Satin lipstick, Rhein Red", "330410", "4.10", "0.030", ("9", "3", "3")),
        P("AR-MSC-BK", "Lengthening mascara, black", "330420", "3.90", "0.030", ("14", "3", "3"), "l"),
        P("AR-NPL-06", "Nail polish, 10 ml, Thames Grey", "330430", "2.60", "0.050", ("8", "4", "4"), "ld"),
        P("AR-PWD-01", "Pressed setting powder", "330491", "5.20", "0.070", ("9", "9", "2")),
        P("AR-SHP-250", "Rosemary strengthening shampoo, 250 ml", "330510", "3.80", "0.290", ("18", "6", "4"), "l"),
        P("AR-CND-250", "Argan oil conditioner, 250 ml", "330590", "4.10", "0.290", ("18", "6", "4"), "l"),
        P("AR-EDP-50", "Eau de parfum Greenwich, 50 ml", "330300", "14.50", "0.250", ("12", "8", "5"), "ld"),
        P("AR-DEO-75", "Aluminium-free deodorant stick, 75 g", "330720", "3.20", "0.100", ("11", "5", "4")),
        P("AR-BWS-300", "Bergamot body wash, 300 ml", "340130", "3.40", "0.340", ("20", "7", "4"), "l"),
        P("AR-SOP-3", "Oat-milk soap bars, pack of 3", "340111", "4.60", "0.360", ("16", "7", "4")),
        P("AR-SHV-100", "Sandalwood shaving cream, 100 ml", "330710", "3.70", "0.130", ("16", "5", "4"), "l", "DE"),
        P("AR-TB-BAM", "Bamboo toothbrushes, pack of 4", "960321", "2.20", "0.060", ("20", "8", "2"), "", "CN"),
        P("AR-BAG-01", "Quilted toiletry bag", "420292", "5.90", "0.180", ("26", "16", "10"), "", "CN"),
    ),
}
del P
# fmt: on

# Opening stock per merchant: (warehouse code, typical fulfillable units per product).
# Units vary per product around that figure; see ``seed_demo`` for the spread.
OPENING_STOCK: dict[str, tuple[tuple[str, int], ...]] = {
    "shenzhen-brightwave": (
        ("CN-SZX1", 240),
        ("CN-CAN1", 300),
        ("US-ONT1", 160),
        ("US-LAX2", 120),
        ("DE-FRA1", 110),
        ("JP-NRT1", 60),
    ),
    "jaipur-loom": (("IN-BOM1", 200), ("IN-DEL1", 260), ("GB-LTN1", 90), ("US-ONT1", 80)),
    "cascade-ridge": (("US-PDX1", 220), ("US-ONT1", 140), ("US-RNO1", 90), ("DE-HAM1", 60), ("AU-MEL1", 45)),
    "albion-rhein": (("GB-LTN1", 280), ("DE-FRA1", 180), ("DE-LEJ1", 120), ("AU-SYD1", 50)),
}
