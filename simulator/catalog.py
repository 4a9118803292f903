"""Master data of the simulated chain: stores, suppliers and products (with valid GTIN-13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from stdnum import ean

from simulator.presets import Preset

TIMEZONE = "Europe/Berlin"

_CITIES = [
    ("Berlin", "East"),
    ("Hamburg", "North"),
    ("Munich", "South"),
    ("Cologne", "West"),
    ("Frankfurt", "West"),
    ("Leipzig", "East"),
    ("Stuttgart", "South"),
    ("Dresden", "East"),
    ("Bremen", "North"),
    ("Hanover", "North"),
    ("Nuremberg", "South"),
    ("Dortmund", "West"),
]
_QUARTERS = ["Mitte", "Nord", "Süd", "Ost", "West", "Altstadt", "Hafen", "Bahnhof"]

# category -> (unit, vat_rate, cost range net EUR, [(english, chinese)])
_CATEGORIES: dict[str, tuple[str, float, tuple[float, float], list[tuple[str, str]]]] = {
    "dairy": (
        "each",
        0.07,
        (0.4, 3.5),
        [
            ("Whole Milk", "全脂牛奶"),
            ("Yoghurt", "酸奶"),
            ("Butter", "黄油"),
            ("Cheese", "奶酪"),
            ("Cream", "奶油"),
            ("Quark", "夸克奶酪"),
        ],
    ),
    "bakery": (
        "each",
        0.07,
        (0.3, 3.0),
        [
            ("Bread", "面包"),
            ("Rolls", "小面包"),
            ("Croissant", "羊角面包"),
            ("Pretzel", "椒盐卷饼"),
            ("Cake", "蛋糕"),
        ],
    ),
    "produce": (
        "kg",
        0.07,
        (0.8, 4.0),
        [
            ("Apples", "苹果"),
            ("Bananas", "香蕉"),
            ("Tomatoes", "西红柿"),
            ("Potatoes", "土豆"),
            ("Carrots", "胡萝卜"),
            ("Onions", "洋葱"),
            ("Grapes", "葡萄"),
        ],
    ),
    "meat": (
        "kg",
        0.07,
        (4.0, 18.0),
        [
            ("Beef Mince", "牛肉馅"),
            ("Chicken Breast", "鸡胸肉"),
            ("Pork Chops", "猪排"),
            ("Sausages", "香肠"),
        ],
    ),
    "beverages": (
        "each",
        0.19,
        (0.2, 6.0),
        [
            ("Mineral Water", "矿泉水"),
            ("Orange Juice", "橙汁"),
            ("Cola", "可乐"),
            ("Beer", "啤酒"),
            ("Green Tea", "绿茶"),
            ("Coffee Beans", "咖啡豆"),
        ],
    ),
    "snacks": (
        "each",
        0.07,
        (0.5, 3.0),
        [("Crisps", "薯片"), ("Chocolate", "巧克力"), ("Biscuits", "饼干"), ("Nuts", "坚果")],
    ),
    "pantry": (
        "each",
        0.07,
        (0.5, 5.0),
        [
            ("Rice", "大米"),
            ("Pasta", "意大利面"),
            ("Flour", "面粉"),
            ("Sugar", "白糖"),
            ("Olive Oil", "橄榄油"),
            ("Soy Sauce", "酱油"),
        ],
    ),
    "frozen": (
        "each",
        0.07,
        (1.0, 6.0),
        [("Pizza", "比萨"), ("Dumplings", "饺子"), ("Ice Cream", "冰淇淋"), ("Peas", "豌豆")],
    ),
    "household": (
        "each",
        0.19,
        (0.8, 8.0),
        [
            ("Detergent", "洗衣液"),
            ("Paper Towels", "厨房纸"),
            ("Dish Soap", "洗洁精"),
            ("Bin Bags", "垃圾袋"),
        ],
    ),
    "personal_care": (
        "each",
        0.19,
        (0.8, 7.0),
        [("Shampoo", "洗发水"), ("Toothpaste", "牙膏"), ("Soap", "香皂"), ("Tissues", "纸巾")],
    ),
}
_BRANDS = [
    ("Gut&Gern", "优选"),
    ("Nordhof", "北庄"),
    ("Sonnental", "阳谷"),
    ("Alpenblick", "山景"),
    ("Hausmarke", "自有"),
    ("Bio Feld", "有机田"),
]
_SIZES = {
    "dairy": ["150g", "250g", "500g", "1L"],
    "bakery": ["1 pc", "4 pcs", "500g", "750g"],
    "beverages": ["0.5L", "1L", "1.5L", "6x1.5L", "250g"],
    "snacks": ["100g", "150g", "200g"],
    "pantry": ["500g", "1kg", "250ml", "500ml"],
    "frozen": ["300g", "450g", "1kg"],
    "household": ["1L", "2L", "20 pcs", "50 pcs"],
    "personal_care": ["75ml", "250ml", "300ml", "10 pcs"],
}
_SUPPLIER_NAMES = ["Frischdienst", "Großhandel", "Lebensmittel", "Vertrieb", "Logistik", "Handel"]
_SUPPLIER_PREFIX = [
    "Nord",
    "Süd",
    "Rhein",
    "Elbe",
    "Alpen",
    "Hansa",
    "Spree",
    "Main",
    "Weser",
    "Isar",
    "Havel",
    "Mosel",
    "Saale",
    "Oder",
]


@dataclass(frozen=True)
class Catalog:
    stores: pd.DataFrame  # store_id, name, region, city, timezone, kind, opened_on, size_sqm
    suppliers: pd.DataFrame  # supplier_id, name, lead_time_days, sends_files
    products: pd.DataFrame  # product_id, gtin, name, name_zh, category, unit, case_pack, ...


def gtin13(body12: str) -> str:
    """Complete a 12-digit body to a GTIN-13 with its check digit."""
    return body12 + ean.calc_check_digit(body12)


def build_catalog(preset: Preset, rng: np.random.Generator) -> Catalog:
    return Catalog(
        stores=_stores(preset, rng),
        suppliers=_suppliers(preset, rng),
        products=_products(preset, rng),
    )


def _stores(preset: Preset, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    n_modern = preset.n_stores - preset.n_legacy
    for i in range(preset.n_stores):
        city, region = _CITIES[i % len(_CITIES)]
        quarter = _QUARTERS[(i // len(_CITIES)) % len(_QUARTERS)]
        opened = preset.start_date - timedelta(days=int(rng.integers(365, 365 * 15)))
        rows.append(
            {
                "store_id": f"S{i + 1:03d}",
                "name": f"{city} {quarter}",
                "region": region,
                "city": city,
                "timezone": TIMEZONE,
                "kind": "modern" if i < n_modern else "legacy",
                "opened_on": opened,
                "size_sqm": int(rng.integers(4, 26)) * 100,
            }
        )
    return pd.DataFrame(rows)


def _suppliers(preset: Preset, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i in range(preset.n_suppliers):
        prefix = _SUPPLIER_PREFIX[i % len(_SUPPLIER_PREFIX)]
        rows.append(
            {
                "supplier_id": f"SUP{i + 1:02d}",
                "name": f"{prefix} {_SUPPLIER_NAMES[i % len(_SUPPLIER_NAMES)]} GmbH",
                "lead_time_days": int(rng.integers(2, 6)),
                "sends_files": i < preset.n_file_suppliers,
            }
        )
    return pd.DataFrame(rows)


def _products(preset: Preset, rng: np.random.Generator) -> pd.DataFrame:
    n = preset.n_products
    cats = list(_CATEGORIES)
    weights = np.array([1.4, 1.0, 1.2, 0.6, 1.4, 1.0, 1.2, 0.8, 0.8, 0.8])
    cat_idx = rng.choice(len(cats), size=n, p=weights / weights.sum())
    # Unique 9-digit item references under a German-range company prefix 400.
    refs = rng.choice(10**9, size=n, replace=False)
    supplier_idx = rng.integers(0, preset.n_suppliers, size=n)
    rows = []
    for i in range(n):
        category = cats[cat_idx[i]]
        unit, vat, (lo, hi), nouns = _CATEGORIES[category]
        noun_en, noun_zh = nouns[int(rng.integers(len(nouns)))]
        brand_en, brand_zh = _BRANDS[int(rng.integers(len(_BRANDS)))]
        if unit == "kg":
            name, name_zh = f"{brand_en} {noun_en} per kg", f"{brand_zh}{noun_zh} 每公斤"
            case_pack = int(rng.choice([5, 10]))
        else:
            size = _SIZES[category][int(rng.integers(len(_SIZES[category])))]
            name, name_zh = f"{brand_en} {noun_en} {size}", f"{brand_zh}{noun_zh} {size}"
            case_pack = int(rng.choice([6, 10, 12, 20, 24]))
        cost = round(float(rng.uniform(lo, hi)), 4)
        margin = float(rng.uniform(1.25, 1.7))
        gross = np.floor(cost * margin * (1 + vat) * 10) / 10 + 0.09
        rows.append(
            {
                "product_id": f"P{i + 1:05d}",
                "gtin": gtin13(f"400{refs[i]:09d}"),
                "name": name,
                "name_zh": name_zh,
                "category": category,
                "unit": unit,
                "case_pack": case_pack,
                "vat_rate": vat,
                "cost_price": cost,
                "retail_price_gross": round(float(gross), 2),
                "supplier_id": f"SUP{supplier_idx[i] + 1:02d}",
            }
        )
    return pd.DataFrame(rows)


def day_dates(preset: Preset) -> list[date]:
    return [preset.start_date + timedelta(days=d) for d in range(preset.n_days)]
