"""Curated word lists for the demo seed: the catalogue, people and places.

Brands, authors and titles are invented (no real trademarks); cities and area
codes are real; every phone number is in the 555-01xx range reserved for
fiction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductLine:
    """A kind of product and the models of it the shop sells."""

    kind: str
    models: tuple[str, ...]
    price: tuple[int, int]  # whole dollars; prices end in .99 or .49
    features: tuple[str, ...]
    variants: tuple[str, ...] = ()  # colours, sizes: one product (SKU) each
    name: str = "{brand} {model} {kind}"
    blurb: str = "{Kind} with {features}."


@dataclass(frozen=True)
class Category:
    code: str  # SKU prefix
    brands: tuple[str, ...]
    lines: tuple[ProductLine, ...]
    closings: tuple[str, ...]


CATALOG: dict[str, Category] = {
    "headphones": Category(
        "HP",
        ("Aurelle", "Northwave", "Sonique", "Halden Audio"),
        (
            ProductLine(
                "Wireless Noise-Cancelling Headphones",
                ("Q35", "Q45", "Q55 Pro", "Studio ANC", "Voyage"),
                (99, 399),
                ("adaptive noise cancelling", "up to 30 hours of battery life", "multipoint Bluetooth 5.3",
                 "memory-foam ear cushions", "USB-C fast charging (10 minutes for 5 hours)",
                 "a transparency mode for conversations", "foldable design with a hard case"),
                variants=("Midnight Black", "Silver", "Sand"),
            ),
            ProductLine(
                "True Wireless Earbuds",
                ("Buds 2", "Buds Pro", "Air Mini", "Pulse", "Echo Lite"),
                (39, 249),
                ("active noise cancelling", "IPX4 sweat resistance", "a wireless charging case",
                 "three sizes of silicone tips", "low-latency gaming mode", "touch controls"),
                variants=("Black", "White", "Sage"),
            ),
            ProductLine(
                "Over-Ear Studio Headphones",
                ("M50", "Reference 7", "Monitor One"),
                (79, 229),
                ("45 mm neodymium drivers", "a flat, accurate frequency response", "a detachable coiled cable",
                 "closed-back isolation", "replaceable velour ear pads"),
            ),
            ProductLine(
                "Open-Ear Sport Headphones",
                ("Run", "Trail", "Swim+"),
                (59, 179),
                ("bone-conduction drivers", "IP67 waterproofing", "a titanium neckband",
                 "8 hours of playback", "an open design that keeps you aware of traffic"),
                variants=("Black", "Blue"),
            ),
        ),
        ("Comes with a two-year warranty.", "Works with iOS, Android and Windows.",
         "Includes a carrying pouch and USB-C cable."),
    ),
    "speakers": Category(
        "SP",
        ("Sonique", "Boomfield", "Halden Audio", "Lumen"),
        (
            ProductLine(
                "Portable Bluetooth Speaker",
                ("Go", "Go XL", "Rugged 3", "Pebble", "Party Max"),
                (29, 299),
                ("360-degree sound", "IP67 dust and water resistance", "up to 20 hours of playback",
                 "a built-in power bank", "stereo pairing with a second speaker", "a floating, drop-proof body"),
                variants=("Black", "Ocean Blue", "Coral"),
            ),
            ProductLine(
                "Smart Speaker",
                ("Home", "Home Max", "Mini"),
                (49, 349),
                ("a built-in voice assistant", "Wi-Fi multi-room audio", "room-filling 2.1 sound",
                 "a privacy switch for the microphones", "AirPlay 2 and Chromecast support"),
                variants=("Charcoal", "Chalk"),
            ),
            ProductLine(
                "Soundbar",
                ("Cinema 300", "Cinema 500", "Arc Slim", "Bar 2.1"),
                (149, 899),
                ("Dolby Atmos", "a wireless subwoofer", "HDMI eARC", "a night mode for late viewing",
                 "clear-dialogue enhancement", "wall-mounting brackets"),
            ),
            ProductLine(
                "Bookshelf Speakers (Pair)",
                ("B5", "Studio 2", "Classic"),
                (129, 599),
                ("5-inch woven woofers", "silk-dome tweeters", "a built-in phono preamp",
                 "Bluetooth and optical inputs", "real walnut veneer"),
            ),
        ),
        ("Sold with a two-year warranty.", "Set up in minutes with the companion app.",
         "Firmware updates add features over time."),
    ),
    "laptops": Category(
        "LT",
        ("Vantor", "Orbis", "Keystone", "Meridian"),
        (
            ProductLine(
                "Ultrabook 13",
                ("Air", "Slim", "Flex"),
                (799, 1499),
                ("a 13.3-inch 2.8K OLED display",
                 "up to 18 hours of battery life", "a 1.1 kg aluminium chassis", "Wi-Fi 6E and Thunderbolt 4"),
                variants=("16 GB / 512 GB", "32 GB / 1 TB"),
            ),
            ProductLine(
                "Laptop 15",
                ("Pro", "Work", "Home", "Plus"),
                (549, 1299),
                ("a 15.6-inch Full HD anti-glare screen", "a full-size backlit keyboard with number pad",
                 "16 GB of memory", "a 1 TB SSD", "a 1080p webcam with privacy shutter", "a fingerprint reader"),
                variants=("Core i5", "Core i7"),
            ),
            ProductLine(
                "Gaming Laptop",
                ("Raptor 16", "Raptor 17", "Nova G15"),
                (1199, 2799),
                ("a 165 Hz QHD display", "an RTX-class graphics card", "32 GB of DDR5 memory",
                 "per-key RGB lighting", "vapour-chamber cooling", "a 2 TB SSD"),
            ),
            ProductLine(
                "Chromebook",
                ("Go 11", "Go 14", "Flip 14"),
                (229, 549),
                ("a 14-inch touch screen", "all-day battery life", "automatic security updates",
                 "a spill-resistant keyboard", "a 360-degree hinge"),
            ),
            ProductLine(
                "2-in-1 Convertible",
                ("Fold 14", "Duo 13"),
                (899, 1599),
                ("a detachable keyboard", "pen support with 4,096 pressure levels", "a 3:2 touch display",
                 "Windows Hello face sign-in", "two USB-C ports"),
            ),
        ),
        ("Ships with Windows 11 Home unless noted.", "Covered by a one-year warranty, extendable to three.",
         "Includes a 65 W USB-C charger."),
    ),
    "phones": Category(
        "PH",
        ("Orbis", "Nuvia", "Kairo"),
        (
            ProductLine(
                "Smartphone",
                ("One", "One Pro", "One Pro Max", "Lite 5G", "Neo", "Neo Plus", "Fold", "Flip", "Mini"),
                (199, 1299),
                ("a 6.1-inch 120 Hz OLED display", "a triple camera with 5x optical zoom",
                 "5G and Wi-Fi 7", "IP68 water resistance", "45 W wired and 15 W wireless charging",
                 "five years of security updates", "a 5,000 mAh battery"),
                variants=("128 GB", "256 GB", "512 GB"),
            ),
            ProductLine(
                "Rugged Phone",
                ("Tough X", "Tough S"),
                (299, 599),
                ("a MIL-STD-810H drop-tested body", "a glove-friendly touch screen", "a 6,500 mAh battery",
                 "a programmable push-to-talk key", "a thermal camera"),
            ),
        ),
        ("Unlocked for all major US carriers.", "Includes a USB-C cable; charger sold separately.",
         "Trade in your old phone for credit at checkout."),
    ),
    "tablets": Category(
        "TB",
        ("Orbis", "Nuvia", "Lumen"),
        (
            ProductLine(
                "Tablet",
                ("Tab 8", "Tab 10", "Tab 11 Pro", "Tab 13 Pro", "Kids Tab 8"),
                (89, 1099),
                ("a laminated 11-inch display", "quad speakers", "pen support",
                 "a magnetic keyboard connector", "up to 12 hours of video playback", "a kid-proof bumper case"),
                variants=("64 GB", "128 GB", "256 GB"),
            ),
            ProductLine(
                "E-Reader",
                ("Paper 6", "Paper 7 Signature", "Note 10"),
                (99, 399),
                ("a glare-free 300 ppi E Ink screen", "an adjustable warm light", "weeks of battery life",
                 "IPX8 waterproofing", "handwriting and note support"),
            ),
        ),
        ("Comes with a one-year warranty.", "Cases and pens are sold separately."),
    ),
    "wearables": Category(
        "WR",
        ("Pulsewear", "Orbis", "Stridr"),
        (
            ProductLine(
                "Smartwatch",
                ("Watch 4", "Watch 4 Classic", "Watch Ultra", "Watch SE"),
                (149, 799),
                ("an always-on AMOLED display", "built-in GPS", "ECG and blood-oxygen sensors",
                 "contactless payments", "up to 7 days of battery", "a sapphire crystal lens"),
                variants=("41 mm", "45 mm"),
            ),
            ProductLine(
                "Fitness Tracker",
                ("Band 7", "Band 7 Pro", "Charge"),
                (39, 179),
                ("24/7 heart-rate tracking", "sleep staging", "water resistance to 50 metres",
                 "14-day battery life", "automatic workout detection"),
                variants=("Black", "Rose"),
            ),
            ProductLine(
                "Smart Ring",
                ("Ring Gen 2", "Ring Sport"),
                (249, 349),
                ("a titanium body", "temperature and sleep tracking", "a 6-day battery",
                 "a free sizing kit"),
                variants=("Silver", "Black"),
            ),
        ),
        ("Pairs with iOS and Android.", "Extra straps are sold separately."),
    ),
    "cameras": Category(
        "CM",
        ("Kestrel Optics", "Fotona", "Lumix Vale"),
        (
            ProductLine(
                "Mirrorless Camera",
                ("Z5", "Z6 II", "Z8", "Alpha Mini"),
                (599, 2999),
                ("a 24-megapixel full-frame sensor", "in-body image stabilisation", "4K 60p video",
                 "eye-detection autofocus", "dual SD card slots", "a weather-sealed magnesium body"),
            ),
            ProductLine(
                "Action Camera",
                ("Hero 12", "Hero Mini", "360 One"),
                (149, 499),
                ("5.3K video", "horizon levelling", "waterproofing to 10 metres without a case",
                 "HyperSmooth stabilisation", "live streaming"),
            ),
            ProductLine(
                "Camera Lens",
                ("24-70mm f/2.8", "50mm f/1.8", "70-200mm f/4", "16mm f/2.8 Wide"),
                (199, 1899),
                ("fast, silent stepping-motor focus", "weather sealing", "nano-coated elements against flare",
                 "a manual aperture ring", "compatibility with full-frame and APS-C bodies"),
            ),
            ProductLine(
                "Camera Drone",
                ("Skylark Mini", "Skylark 3"),
                (399, 1299),
                ("a 3-axis gimbal", "obstacle sensing in all directions", "46 minutes of flight time",
                 "a weight under 249 g", "10 km video transmission"),
            ),
        ),
        ("Comes with a one-year international warranty.", "Memory cards are sold separately."),
    ),
    "gaming": Category(
        "GM",
        ("Nexplay", "Raptor", "Pixelforge"),
        (
            ProductLine(
                "Game Console",
                ("Station 5", "Station 5 Digital", "Switchback OLED"),
                (299, 549),
                ("4K gaming at up to 120 fps", "a 1 TB SSD", "a haptic-feedback controller",
                 "backward compatibility", "a 7-inch OLED handheld screen"),
            ),
            ProductLine(
                "Wireless Controller",
                ("Pro", "Elite", "Lite"),
                (49, 179),
                ("hall-effect sticks that do not drift", "remappable back paddles", "40 hours of battery",
                 "a 3.5 mm headset jack", "low-latency 2.4 GHz wireless"),
                variants=("Black", "White", "Camo"),
            ),
            ProductLine(
                "Gaming Headset",
                ("H7", "H9 Wireless", "H3"),
                (39, 249),
                ("7.1 surround sound", "a flip-to-mute microphone", "cooling gel ear cushions",
                 "2.4 GHz wireless and Bluetooth", "cross-platform compatibility"),
            ),
            ProductLine(
                "Mechanical Keyboard",
                ("K70", "K65 Mini", "TKL Pro"),
                (59, 229),
                ("hot-swappable switches", "PBT double-shot keycaps", "per-key RGB lighting",
                 "an aluminium top plate", "a detachable USB-C cable"),
                variants=("Red Switches", "Brown Switches"),
            ),
            ProductLine(
                "Gaming Mouse",
                ("M6", "Viper Air", "Glide"),
                (29, 159),
                ("a 26,000 DPI optical sensor", "a 58 g ultralight shell", "PTFE feet",
                 "five programmable buttons", "on-board memory for profiles"),
                variants=("Black", "White"),
            ),
        ),
        ("Includes a two-year warranty.", "Game titles are sold separately."),
    ),
    "tv": Category(
        "TV",
        ("Lumen", "Vantor", "Kairo"),
        (
            ProductLine(
                "4K OLED TV",
                ('55"', '65"', '77"'),
                (1099, 3499),
                ("self-lit pixels with perfect blacks", "Dolby Vision and HDR10+", "four HDMI 2.1 ports",
                 "120 Hz with variable refresh rate", "an anti-reflection screen"),
            ),
            ProductLine(
                "4K QLED TV",
                ('43"', '50"', '55"', '65"', '75"'),
                (329, 1799),
                ("quantum-dot colour", "full-array local dimming", "a built-in smart TV platform",
                 "hands-free voice control", "a game mode with low input lag"),
            ),
            ProductLine(
                "Streaming Stick",
                ("4K", "4K Max", "HD"),
                (29, 69),
                ("Wi-Fi 6", "Dolby Atmos pass-through", "a voice remote with TV controls",
                 "every major streaming app"),
            ),
        ),
        ("Wall mount sold separately.", "Free kerbside delivery on TVs."),
    ),
    "monitors": Category(
        "MN",
        ("Vantor", "Keystone", "Pixelforge"),
        (
            ProductLine(
                "Monitor",
                ('24" FHD', '27" QHD', '27" 4K', '32" 4K', '34" Ultrawide', '49" Super Ultrawide'),
                (129, 1299),
                ("an IPS panel with 99% sRGB", "USB-C with 90 W power delivery", "a height-adjustable stand",
                 "a 144 Hz refresh rate", "built-in speakers", "a daisy-chain DisplayPort output",
                 "flicker-free backlight"),
            ),
            ProductLine(
                "Docking Station",
                ("Dock 12-in-1", "Dock Mini"),
                (79, 299),
                ("dual 4K display support", "100 W pass-through charging", "2.5 Gb Ethernet",
                 "an SD card reader"),
            ),
            ProductLine(
                "Webcam",
                ("C920 HD", "Stream 4K"),
                (49, 199),
                ("1080p at 60 fps", "automatic light correction", "dual noise-reducing microphones",
                 "a privacy cover"),
            ),
        ),
        ("Includes all cables needed to connect.", "Covered by a three-year warranty."),
    ),
    "smart-home": Category(
        "SH",
        ("Hearthly", "Nestor", "Lumen", "Brightway"),
        (
            ProductLine(
                "Smart Thermostat",
                ("T3", "T3 Pro"),
                (99, 249),
                ("learning schedules", "geofencing away mode", "energy reports", "Matter support",
                 "a C-wire adapter in the box"),
            ),
            ProductLine(
                "Video Doorbell",
                ("Door 2", "Door Pro", "Door Battery"),
                (59, 249),
                ("head-to-toe 1536p video", "package detection", "two-way talk with noise cancellation",
                 "a rechargeable battery or wired power", "local storage with no subscription"),
            ),
            ProductLine(
                "Smart Bulb (4-Pack)",
                ("A19 Colour", "A19 White", "GU10 Colour"),
                (29, 89),
                ("16 million colours", "dimming without a hub", "Matter and Thread support",
                 "sunrise and sunset routines"),
            ),
            ProductLine(
                "Security Camera",
                ("Cam Indoor", "Cam Outdoor 2K", "Cam Floodlight"),
                (39, 229),
                ("2K HDR video", "colour night vision", "person and vehicle detection",
                 "a built-in siren", "weatherproofing for outdoor use"),
            ),
            ProductLine(
                "Smart Plug (2-Pack)",
                ("Plug Mini", "Plug Energy"),
                (19, 39),
                ("energy monitoring", "schedules and timers", "voice assistant support", "no hub required"),
            ),
            ProductLine(
                "Robot Vacuum",
                ("Clean S7", "Clean S7 MaxV", "Clean Q5"),
                (229, 1099),
                ("lidar navigation", "a self-emptying dock", "mopping with auto-lifting pads",
                 "no-go zones in the app", "obstacle recognition for cables and socks"),
            ),
        ),
        ("Works with the major voice assistants.", "Setup takes about five minutes in the app."),
    ),
    "kitchen": Category(
        "KT",
        ("Copperline", "Hearthly", "Mastercook", "Brightway"),
        (
            ProductLine(
                "Espresso Machine",
                ("Barista Touch", "Bambino", "Dual Boiler"),
                (299, 1499),
                ("a built-in conical burr grinder", "automatic milk texturing", "a 15-bar Italian pump",
                 "PID temperature control", "a 3-second heat-up"),
                variants=("Brushed Steel", "Black Truffle"),
            ),
            ProductLine(
                "Air Fryer",
                ("5.5 qt", "Dual Zone 8 qt", "Oven 25 L"),
                (69, 249),
                ("dishwasher-safe baskets", "eight one-touch programmes", "a window to watch cooking",
                 "rapid 360-degree air circulation"),
            ),
            ProductLine(
                "Stand Mixer",
                ("Artisan 5 qt", "Pro 6 qt"),
                (249, 549),
                ("a 10-speed direct-drive motor", "a stainless steel bowl", "a dough hook, whisk and beater",
                 "a tilt-head design", "an attachment hub for pasta rollers"),
                variants=("Empire Red", "Almond Cream", "Onyx Black"),
            ),
            ProductLine(
                "Blender",
                ("Vortex 1200", "Personal Go", "Pro 750"),
                (39, 449),
                ("a 1,200 W motor", "self-cleaning", "a BPA-free 64 oz jar", "to-go cups",
                 "variable speed with pulse"),
            ),
            ProductLine(
                "Electric Kettle",
                ("Pour-Over", "Variable Temp", "Classic 1.7 L"),
                (29, 149),
                ("a gooseneck spout", "presets for green tea and coffee", "keep-warm for 60 minutes",
                 "auto shut-off and boil-dry protection"),
                variants=("Matte Black", "Stainless"),
            ),
            ProductLine(
                "Cookware Set",
                ("Tri-Ply 10-Piece", "Nonstick 8-Piece", "Cast Iron Essentials"),
                (99, 599),
                ("oven-safe to 260 C", "induction-ready bases", "stay-cool riveted handles",
                 "tempered glass lids", "a lifetime warranty"),
            ),
        ),
        ("Backed by a two-year warranty.", "Recipe booklet included."),
    ),
    "fitness": Category(
        "FT",
        ("Stridr", "Ironclad", "Pulsewear"),
        (
            ProductLine(
                "Adjustable Dumbbells (Pair)",
                ("5-52 lb", "10-90 lb"),
                (199, 549),
                ("weight changes with a turn of a dial", "replaces 15 pairs of dumbbells",
                 "a compact storage tray", "moulded handles"),
            ),
            ProductLine(
                "Folding Treadmill",
                ("T6", "Walk Pad"),
                (399, 1299),
                ("speeds up to 12 mph", "15 levels of incline", "a cushioned deck", "Bluetooth app sync",
                 "folding for storage"),
            ),
            ProductLine(
                "Exercise Bike",
                ("Spin S2", "Recumbent R1"),
                (299, 1499),
                ("magnetic resistance", "a 22-inch touch screen", "a phone and tablet holder",
                 "adjustable seat and handlebars"),
            ),
            ProductLine(
                "Yoga Mat",
                ("Grip 6mm", "Travel 2mm", "Cork 5mm"),
                (25, 89),
                ("a non-slip natural rubber base", "alignment lines", "a carrying strap",
                 "sweat-resistant surface"),
                variants=("Plum", "Slate", "Sage"),
            ),
            ProductLine(
                "Massage Gun",
                ("Recover Mini", "Recover Pro"),
                (79, 299),
                ("five speeds", "six attachment heads", "a quiet brushless motor", "three hours of battery"),
            ),
            ProductLine(
                "Resistance Band Set",
                ("Loop 5", "Tube Kit 11"),
                (19, 49),
                ("five resistance levels", "door anchor and handles", "latex-free fabric"),
            ),
        ),
        ("Free returns within 30 days.", "Assembly instructions and video included."),
    ),
    "accessories": Category(
        "AC",
        ("Voltix", "Keystone", "Anvil"),
        (
            ProductLine(
                "Power Bank",
                ("10,000 mAh", "20,000 mAh", "MagSnap 5,000 mAh"),
                (19, 89),
                ("65 W USB-C power delivery", "a digital charge display", "pass-through charging",
                 "magnetic wireless charging"),
            ),
            ProductLine(
                "USB-C Charger",
                ("GaN 65 W", "GaN 100 W", "Dual 35 W"),
                (19, 79),
                ("gallium-nitride efficiency", "two USB-C and one USB-A port", "foldable prongs",
                 "enough power for a laptop"),
            ),
            ProductLine(
                "Laptop Backpack",
                ("Commuter 15", "Travel 17"),
                (49, 149),
                ("a padded laptop sleeve", "water-repellent recycled fabric", "a luggage pass-through",
                 "RFID-blocking pocket"),
                variants=("Black", "Grey"),
            ),
            ProductLine(
                "Portable SSD",
                ("1 TB", "2 TB", "4 TB"),
                (79, 329),
                ("read speeds up to 1,050 MB/s", "a rugged, drop-resistant shell", "hardware encryption",
                 "USB-C and USB-A cables"),
            ),
            ProductLine(
                "Wireless Charging Stand",
                ("3-in-1", "Duo"),
                (29, 129),
                ("15 W fast wireless charging", "a slot for a watch charger", "a non-slip base"),
            ),
        ),
        ("Backed by an 18-month warranty.",),
    ),
    "books": Category(
        "BK",
        ("Marta Lindqvist", "Daniel Okafor", "Priya Raman", "Tomás Herrera", "Grace Whitfield",
         "Kenji Arai", "Elena Marsh", "Samuel Adeyemi"),
        (
            ProductLine(
                "novel",
                ("The Lighthouse Keeper's Daughter", "A Map of Quiet Rooms", "The Salt Road",
                 "Winter in Alder Bay", "The Last Orchard", "Paper Boats", "The Glass Harbour"),
                (14, 29),
                ("a sweeping family saga across three generations", "a slow-burning mystery on a remote island",
                 "a story of friendship, grief and second chances", "a book-club favourite"),
                name="{model}",
                blurb="A {kind} by {brand}: {features}.",
            ),
            ProductLine(
                "cookbook",
                ("Weeknight Suppers", "The Air Fryer Year", "Bread at Home", "Plants on the Plate"),
                (19, 39),
                ("120 tested recipes", "full-colour photography", "a chapter on meal prep",
                 "recipes ready in 30 minutes or less"),
                name="{model}",
                blurb="A {kind} by {brand} with {features}.",
            ),
            ProductLine(
                "guide",
                ("Smart Home Made Simple", "Photography for Beginners", "Build Your Own Gaming PC",
                 "The Home Barista", "Strength After Forty", "Python for Curious Minds"),
                (17, 45),
                ("clear step-by-step instructions", "hundreds of illustrations", "checklists you can reuse",
                 "a glossary for beginners"),
                name="{model}",
                blurb="A practical {kind} by {brand} with {features}.",
            ),
        ),
        ("Hardcover.", "Paperback.", "Also available as an e-book."),
    ),
}

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
    "Mia", "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail", "Theodore",
    "Emily", "Jack", "Ella", "Levi", "Elizabeth", "Alexander", "Camila", "Jackson", "Luna", "Mateo",
    "Sofia", "Daniel", "Avery", "Michael", "Mila", "Mason", "Aria", "Sebastian", "Scarlett", "Ethan",
    "Penelope", "Logan", "Layla", "Owen", "Chloe", "Samuel", "Victoria", "Jacob", "Madison", "Asher",
    "Eleanor", "Aiden", "Grace", "John", "Nora", "Joseph", "Riley", "Wyatt", "Zoey", "David",
    "Hannah", "Leo", "Hazel", "Luke", "Lily", "Julian", "Ellie", "Hudson", "Violet", "Grayson",
    "Priya", "Arjun", "Mei", "Wei", "Yuki", "Kenji", "Fatima", "Omar", "Amara", "Kwame",
    "Sofía", "Diego", "Lucía", "Javier", "Ingrid", "Lars", "Chiara", "Marco", "Zainab", "Tariq",
)

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Patel", "Shah", "Chen", "Wang", "Kim", "Park", "Tanaka", "Sato", "Okafor", "Mensah",
    "O'Brien", "Murphy", "Kowalski", "Novak", "Schmidt", "Müller", "Rossi", "Bianchi", "Johansson", "Larsen",
)

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# Real area codes; with the 555-01xx fiction range they give numbers that can never ring.
AREA_CODES = (
    "212", "213", "303", "305", "312", "404", "415", "503", "512", "602",
    "617", "702", "713", "720", "804", "813", "901", "206", "214", "480",
)

# (city, state or region, ISO country). US cities are served by UPS, FedEx and USPS, others by DHL.
US_CITIES = (
    ("New York", "NY"), ("Los Angeles", "CA"), ("Chicago", "IL"), ("Houston", "TX"), ("Phoenix", "AZ"),
    ("Philadelphia", "PA"), ("San Antonio", "TX"), ("San Diego", "CA"), ("Dallas", "TX"), ("Austin", "TX"),
    ("Jacksonville", "FL"), ("Columbus", "OH"), ("Charlotte", "NC"), ("Indianapolis", "IN"),
    ("San Francisco", "CA"), ("Seattle", "WA"), ("Denver", "CO"), ("Nashville", "TN"), ("Boston", "MA"),
    ("Portland", "OR"), ("Las Vegas", "NV"), ("Detroit", "MI"), ("Atlanta", "GA"), ("Miami", "FL"),
    ("Minneapolis", "MN"), ("Raleigh", "NC"), ("Salt Lake City", "UT"), ("Pittsburgh", "PA"),
    ("Madison", "WI"), ("Albuquerque", "NM"),
)
INTERNATIONAL_CITIES = (
    ("Toronto", "CA"), ("Vancouver", "CA"), ("Montreal", "CA"), ("London", "GB"), ("Manchester", "GB"),
    ("Dublin", "IE"), ("Berlin", "DE"), ("Amsterdam", "NL"), ("Sydney", "AU"), ("Mexico City", "MX"),
)

WAREHOUSES = ("Reno, NV", "Columbus, OH", "Allentown, PA", "Dallas, TX")

DELIVERY_NOTES = (
    "Delivered, left at front door",
    "Delivered, handed to resident",
    "Delivered to mailroom",
    "Delivered, left with neighbour",
    "Delivered to parcel locker",
)

CANCELLATION_NOTES = (
    "Cancelled at the customer's request",
    "Cancelled: payment could not be authorised",
    "Cancelled: item no longer in stock",
    "Cancelled: duplicate order",
)

RETURN_NOTES = (
    "Return received at warehouse; refund issued",
    "Return received: item unopened; refund issued",
    "Return received: faulty item; refund issued",
)
