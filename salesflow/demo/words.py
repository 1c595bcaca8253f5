"""Word lists for the demo data: small, hand-written, European.

Kept apart from the generator so the logic reads without scrolling past names. Faker is a
development dependency only, and its output would change with its version; these lists don't.
"""

from __future__ import annotations

# country code -> (country, legal form, language, cities)
COUNTRIES: dict[str, tuple[str, str, str, list[str]]] = {
    "SE": ("Sweden", "AB", "sv", ["Stockholm", "Gothenburg", "Malmö", "Uppsala"]),
    "NO": ("Norway", "AS", "no", ["Oslo", "Bergen", "Trondheim"]),
    "DK": ("Denmark", "A/S", "da", ["Copenhagen", "Aarhus", "Odense"]),
    "FI": ("Finland", "Oy", "fi", ["Helsinki", "Tampere", "Turku"]),
    "DE": ("Germany", "GmbH", "de", ["Hamburg", "Berlin", "Munich", "Cologne", "Stuttgart"]),
    "AT": ("Austria", "GmbH", "de", ["Vienna", "Graz", "Linz"]),
    "CH": ("Switzerland", "AG", "de", ["Zurich", "Basel", "Bern"]),
    "NL": ("Netherlands", "B.V.", "nl", ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"]),
    "BE": ("Belgium", "NV", "nl", ["Antwerp", "Ghent", "Brussels"]),
    "GB": ("United Kingdom", "Ltd", "en", ["London", "Manchester", "Leeds", "Bristol"]),
    "IE": ("Ireland", "Ltd", "en", ["Dublin", "Cork", "Galway"]),
    "PL": ("Poland", "Sp. z o.o.", "pl", ["Warsaw", "Kraków", "Wrocław", "Gdańsk"]),
    "FR": ("France", "SAS", "fr", ["Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Nantes"]),
    "ES": ("Spain", "S.L.", "es", ["Madrid", "Barcelona", "Valencia", "Seville", "Bilbao"]),
    "PT": ("Portugal", "Lda", "pt", ["Lisbon", "Porto", "Braga"]),
    "IT": ("Italy", "S.r.l.", "it", ["Milan", "Turin", "Bologna", "Rome", "Naples", "Florence"]),
}

# region -> (demo team, countries, weight). The North and South teams each cover half.
REGIONS: dict[str, tuple[str, list[str], int]] = {
    "Nordics": ("North", ["SE", "NO", "DK", "FI"], 10),
    "DACH": ("North", ["DE", "AT", "CH"], 16),
    "Benelux": ("North", ["NL", "BE"], 8),
    "UK & Ireland": ("North", ["GB", "IE"], 10),
    "Poland": ("North", ["PL"], 6),
    "France": ("South", ["FR"], 20),
    "Iberia": ("South", ["ES", "PT"], 15),
    "Italy": ("South", ["IT"], 15),
}

# language -> (first names, last names, how a person of that background is described)
NAMES: dict[str, tuple[list[str], list[str], str]] = {
    "sv": (
        ["Erik", "Anna", "Lars", "Karin", "Johan", "Maja", "Anders", "Elin", "Nils", "Sofia"],
        ["Andersson", "Johansson", "Karlsson", "Nilsson", "Lindberg", "Berg", "Holm", "Sandberg"],
        "Swedish",
    ),
    "no": (
        ["Ole", "Ingrid", "Magnus", "Silje", "Henrik", "Kari", "Sindre", "Ida"],
        ["Hansen", "Johansen", "Olsen", "Larsen", "Haugen", "Bakke", "Dahl", "Lie"],
        "Norwegian",
    ),
    "da": (
        ["Søren", "Mette", "Mads", "Freja", "Rasmus", "Camilla", "Jonas", "Line"],
        ["Jensen", "Nielsen", "Pedersen", "Christensen", "Sørensen", "Poulsen", "Madsen"],
        "Danish",
    ),
    "fi": (
        ["Mikko", "Aino", "Juha", "Laura", "Antti", "Emilia", "Ville", "Sanna"],
        ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Laine", "Heikkinen", "Koskinen"],
        "Finnish",
    ),
    "de": (
        ["Lukas", "Anna", "Jonas", "Lena", "Felix", "Katharina", "Stefan", "Julia", "Miriam"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"],
        "German-speaking",
    ),
    "nl": (
        ["Daan", "Sanne", "Bram", "Lotte", "Joris", "Eva", "Pieter", "Femke", "Thijs", "Noor"],
        ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Peeters", "Maes"],
        "Dutch-speaking",
    ),
    "en": (
        ["James", "Olivia", "Thomas", "Emily", "Daniel", "Sophie", "Liam", "Grace", "Aoife"],
        ["Smith", "Taylor", "Brown", "Wilson", "Murphy", "Walsh", "O'Brien", "Clarke", "Byrne"],
        "British or Irish",
    ),
    "pl": (
        ["Piotr", "Anna", "Tomasz", "Katarzyna", "Michał", "Agnieszka", "Paweł", "Magdalena"],
        ["Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król"],
        "Polish",
    ),
    "fr": (
        ["Camille", "Julien", "Chloé", "Nicolas", "Manon", "Antoine", "Léa", "Mathieu", "Claire"],
        ["Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Lefèvre", "Girard", "Petit"],
        "French",
    ),
    "es": (
        ["Javier", "Lucía", "Carlos", "María", "Pablo", "Carmen", "Alejandro", "Laura", "Diego"],
        ["García", "Fernández", "González", "López", "Martínez", "Sánchez", "Romero", "Navarro"],
        "Spanish",
    ),
    "pt": (
        ["João", "Ana", "Tiago", "Inês", "Rui", "Beatriz", "Miguel", "Catarina"],
        ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Almeida", "Rodrigues"],
        "Portuguese",
    ),
    "it": (
        ["Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Matteo", "Elena"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"],
        "Italian",
    ),
}

COMPANY_STEMS = [
    "Aurora", "Baltic", "Corvus", "Delta", "Elbe", "Fjord", "Granit", "Helios", "Isar", "Juno",
    "Kestrel", "Lumen", "Meridian", "Nordlicht", "Orion", "Polaris", "Quadra", "Rhein", "Sirius",
    "Terra", "Umbra", "Vega", "Westwind", "Zenit", "Alta", "Brava", "Cima", "Duna", "Estrela",
    "Fortis", "Gaia", "Hansa", "Ilex", "Jade", "Kora", "Mistral", "Nova", "Oro", "Pico", "Riva",
    "Sol", "Tessera", "Vento", "Zefiro", "Atlas", "Borealis", "Cobalt", "Ember", "Falcon",
    "Garnet", "Harbor", "Indigo", "Lago", "Monte", "Nexa", "Onda", "Prisma", "Silva", "Tundra",
]  # fmt: skip

# industry -> (weight, words a company of that industry puts in its name)
INDUSTRIES: dict[str, tuple[int, list[str]]] = {
    "Logistics": (12, ["Logistics", "Freight", "Transport", "Cargo"]),
    "Manufacturing": (14, ["Industries", "Components", "Manufacturing", "Precision"]),
    "Software": (9, ["Software", "Systems", "Digital", "Labs"]),
    "Retail": (8, ["Retail", "Stores", "Markets", "Home"]),
    "Healthcare": (6, ["Health", "Medical", "Care", "Clinics"]),
    "Financial services": (5, ["Finance", "Capital", "Insurance", "Leasing"]),
    "Energy": (5, ["Energy", "Power", "Solar", "Grid"]),
    "Construction": (7, ["Construction", "Build", "Structures", "Bau"]),
    "Food & beverage": (7, ["Foods", "Dairy", "Brewing", "Bakeries"]),
    "Automotive": (6, ["Automotive", "Motors", "Mobility", "Parts"]),
    "Telecommunications": (3, ["Telecom", "Networks", "Connect", "Fibre"]),
    "Education": (3, ["Academy", "Learning", "Institute", "Schools"]),
    "Hospitality": (4, ["Hotels", "Hospitality", "Resorts", "Catering"]),
    "Professional services": (7, ["Consulting", "Partners", "Advisory", "Services"]),
    "Media": (3, ["Media", "Studios", "Publishing", "Broadcast"]),
}

POSITIONS = [
    "CEO", "Managing Director", "CFO", "COO", "Head of Operations", "Head of Logistics",
    "Purchasing Manager", "Procurement Lead", "IT Director", "Fleet Manager", "Sales Director",
    "Office Manager", "Project Manager", "Plant Manager", "Head of Finance", "CTO",
]  # fmt: skip

# The positions that usually sign: a deal's decision maker is one of them when the account has one.
DECISION_POSITIONS = {"CEO", "Managing Director", "CFO", "COO", "CTO", "Head of Finance"}

# What the demo company sells: deal names are "<account> - <product>".
PRODUCTS = [
    "Platform licence", "Fleet tracking rollout", "Analytics add-on", "Support plan renewal",
    "Onboarding package", "Integration project", "Training programme", "Enterprise upgrade",
    "Pilot project", "Multi-site expansion", "Route planning module", "Data migration",
]  # fmt: skip

# What an existing customer buys on top (deals closed as "upgraded").
UPSELLS = [
    "Additional licences", "Analytics add-on", "Multi-site expansion", "Enterprise upgrade",
    "Route planning module", "Premium support",
]  # fmt: skip

# The catalogue behind those names: (name, code, category, list price in EUR). A demo deal's
# product line is the product its name ends with.
CATALOGUE = [
    ("Platform licence", "PL-100", "Platform", "4800"),
    ("Fleet tracking rollout", "FT-200", "Fleet", "9500"),
    ("Analytics add-on", "AN-110", "Add-ons", "2400"),
    ("Support plan renewal", "SP-300", "Services", "3600"),
    ("Onboarding package", "SV-310", "Services", "6000"),
    ("Integration project", "SV-320", "Services", "15000"),
    ("Training programme", "SV-330", "Services", "3000"),
    ("Enterprise upgrade", "PL-150", "Platform", "12000"),
    ("Pilot project", "SV-340", "Services", "8000"),
    ("Multi-site expansion", "FT-250", "Fleet", "11000"),
    ("Route planning module", "FT-210", "Fleet", "3200"),
    ("Data migration", "SV-350", "Services", "7000"),
    ("Additional licences", "PL-110", "Platform", "1200"),
    ("Premium support", "SP-310", "Services", "5000"),
]

# The ideal customer profile a demo organisation would set: (dimension, value, weight).
PROFILE = [
    ("industry", "Logistics", 30), ("industry", "Manufacturing", 25),
    ("industry", "Automotive", 15), ("industry", "Food & beverage", 10),
    ("size_band", "201-1000", 20), ("size_band", "51-200", 15), ("size_band", "1000+", 10),
    ("region", "DACH", 10), ("region", "France", 8), ("region", "Nordics", 6),
    ("role", "Head of Logistics", 15), ("role", "Fleet Manager", 15), ("role", "COO", 12),
    ("role", "Head of Operations", 10),
]  # fmt: skip

# BANT: what the customer needs, and who decides when it is not the person we talk to.
NEEDS = [
    "Replace the spreadsheets used for route planning.",
    "Live view of every vehicle for the dispatch team.",
    "Cut fuel costs by planning shorter routes.",
    "One report across all sites for the board.",
    "Faster month-end reporting for finance.",
    "Customers want delivery-time notifications.",
    "Current supplier's contract ends; they want a modern tool.",
    "Onboard new drivers in days, not weeks.",
]
DECIDERS = ["the CFO", "the CEO", "the COO", "the board", "the IT director", "group purchasing"]

COMPETITORS = ["Contoso", "Initech", "Globex", "Umbrella Systems", "Hooli", "Vandelay Software"]

HOBBIES = [
    "sailing", "cycling", "marathon running", "golf", "chess", "jazz", "cooking", "photography",
    "hiking", "skiing", "football (season ticket for the local club)", "tennis", "gardening",
    "wine tasting", "classical music", "climbing", "fishing", "crime novels", "woodworking",
    "yoga", "padel", "vintage cars", "board games", "birdwatching",
]  # fmt: skip

DEGREES = [
    "MSc Logistics", "MBA", "BSc Computer Science", "MSc Mechanical Engineering",
    "BA Economics", "Diploma in Business Administration", "MSc Finance", "PhD Chemistry",
    "Apprenticeship as industrial clerk", "BSc Industrial Engineering", "MA Law",
]  # fmt: skip

UNIVERSITIES = [
    "Stockholm School of Economics", "TU München", "ETH Zurich", "University of Amsterdam",
    "KU Leuven", "Trinity College Dublin", "University of Manchester", "Aalto University",
    "Warsaw University of Technology", "HEC Paris", "IE Business School",
    "Universidade do Porto", "Politecnico di Milano", "Università Bocconi",
    "University of Copenhagen", "NTNU Trondheim", "WU Vienna",
]  # fmt: skip

ACHIEVEMENTS = [
    "Led the ERP migration in {year}",
    "Cut logistics costs by {pct}% in two years",
    "Speaker at {event} {year}",
    "Built the procurement team from scratch",
    "Finished the Berlin Marathon in under four hours",
    "{industry} manager of the year {year}",
    "Opened the {city} branch",
    "Published a white paper on supply-chain risk",
    "Promoted to {position} in {year}",
    "Certified project manager (PMP)",
]

EVENTS = ["LogiMAT", "Web Summit", "Hannover Messe", "Slush", "VivaTech", "transport logistic"]

FAMILIES = [
    "Married, two children",
    "Married to {partner}; a son, {child} ({age})",
    "Partner {partner}; a daughter, {child} ({age})",
    "Single; a dog called {pet}",
    "Married, three children; the eldest studies in {city}",
    "Divorced; a son, {child} ({age}), lives with them every other week",
    "Partner {partner}; expecting their first child",
    "Married; two grandchildren in {city}",
]

PETS = ["Bruno", "Luna", "Max", "Bella", "Oskar", "Nala", "Pixel"]

DESTINATIONS = [
    "Japan", "New York", "Patagonia", "Iceland", "Cape Town", "Vietnam", "the Canadian Rockies",
    "Marrakesh", "Singapore", "Sicily", "the Norwegian fjords", "Chile", "Bali",
    "the Scottish Highlands", "Istanbul", "Crete", "Lapland", "Tuscany", "Mexico City",
]  # fmt: skip

BACKGROUNDS = [
    "{adjective}; grew up in {home}",
    "{adjective}; has lived in {city} since {year}",
    "{adjective}, with family roots in {other}",
    "Bilingual; {adjective} father, mother from {other}",
]

CAMPAIGNS = [
    # name, channel, source, cost in EUR, started this many days ago, runs this many days
    ("Webinar series: smarter fleets", "inbound", "webinar", 4800, 500, 90),
    ("Trade fair booth: LogiMAT", "outbound", "exhibition", 18500, 420, 4),
    ("Content hub and SEO", "inbound", "content", 9000, 540, None),
    ("Cold calling sprint: manufacturing", "outbound", "cold_call", 6200, 300, 45),
    ("Social ads: operations leaders", "inbound", "social", 7500, 240, 120),
    ("Direct mail: the CFO pack", "outbound", "direct_mail", 3900, 200, 30),
    ("Partner referral programme", "inbound", "referral", 2500, 540, None),
    ("Trade magazine ads", "outbound", "advertising", 11000, 150, 60),
    ("Email outreach: logistics", "outbound", "email", 1800, 90, 60),
    ("Spring webinar: analytics", "inbound", "webinar", 3600, 60, 40),
]

LEAD_NOTES = [
    "Downloaded the fleet e-book.",
    "Asked for a price list.",
    "Met at the booth; wants a demo.",
    "Referred by a customer in the same industry.",
    "Budget planned for next year.",
    "Runs everything on spreadsheets today.",
    "Currently evaluating {competitor}.",
    "Contract with the current supplier ends in {months} months.",
]

# What kind of activity happens on which kind of record, in past (done) activities.
ACTIVITY_MIX: dict[str, dict[str, int]] = {
    "deal": {"call": 22, "email": 28, "meeting": 12, "visit": 6, "demo": 8, "note": 14, "task": 10},
    "lead": {"call": 40, "email": 35, "note": 15, "task": 10},
    "contact": {"call": 25, "email": 30, "meeting": 10, "visit": 10, "note": 20, "task": 5},
    "account": {"note": 30, "visit": 20, "meeting": 20, "email": 15, "call": 15},
}

ACTIVITY_SUBJECTS: dict[str, list[str]] = {
    "call": [
        "Intro call with {person}",
        "Qualification call: budget and timeline",
        "Follow-up call after the demo",
        "Call about the proposal",
        "Check-in call with {person}",
        "Call back about pricing",
        "Reference call with a {industry} customer",
    ],
    "email": [
        "Sent the proposal",
        "Sent a {industry} case study",
        "Recap of our meeting",
        "Sent the pricing overview",
        "Answered questions on integration",
        "Product update newsletter",
        "Sent contract draft",
    ],
    "meeting": [
        "Needs assessment with {person}",
        "Kick-off meeting",
        "Negotiation meeting",
        "Quarterly business review",
        "Meeting with the decision makers",
    ],
    "visit": [
        "Site visit in {city}",
        "Visit at {company}",
        "Lunch with {person} in {city}",
        "Plant tour in {city}",
    ],
    "demo": [
        "Product demo for {company}",
        "Online demo: reporting",
        "Demo for the IT team",
        "Tailored demo: route planning",
    ],
    "note": [
        "Budget confirmed by the CFO",
        "Decision maker is the {position}",
        "{competitor} is also in the race",
        "Prefers email to phone calls",
        "Objection on price; answered with the ROI sheet",
        "Board meets on the first Monday of the month",
        "{person} mentioned a trip to {destination}",
    ],
    "task": [
        "Prepare the proposal",
        "Send the contract draft",
        "Book a follow-up meeting",
        "Update BANT details",
        "Ask for a referral",
        "Send a birthday card to {person}",
        "Prepare demo data for {company}",
    ],
}

ACTIVITY_OUTCOMES: dict[str, list[str]] = {
    "call": [
        "Reached; follow-up booked",
        "Voicemail left",
        "Asked to call back next week",
        "Interested; sent more information",
        "Not the right time",
    ],
    "meeting": ["Good meeting; next steps agreed", "Needs a second meeting", "Went well"],
    "visit": ["Met the team on site", "Saw the warehouse; clear need", "Good relationship visit"],
    "demo": ["Demo went well", "Questions on integration", "Wants a pilot"],
}

ACTIVITY_BODIES = [
    "Discussed current process and pain points; they lose time on manual planning.",
    "Agreed next steps and a date for the proposal.",
    "Customer asked about payment terms and onboarding time.",
    "Two stakeholders joined; the CFO wants a clear ROI.",
    "Shared the reference story; they will talk to their board.",
]
