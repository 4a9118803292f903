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


# category -> (amplitude, peak day of year) of its yearly demand cycle
SEASONALITY: dict[str, tuple[float, int]] = {
    "dairy": (0.05, 20),
    "bakery": (0.12, 355),
    "produce": (0.25, 200),
    "meat": (0.2, 190),
    "beverages": (0.3, 200),
    "snacks": (0.15, 350),
    "pantry": (0.1, 340),
    "frozen": (0.3, 205),
    "household": (0.05, 90),
    "personal_care": (0.05, 150),
}
SUPPLIER_FORMATS = ("csv", "edifact", "xlsx", "jsonl")


@dataclass(frozen=True)
class Catalog:
    stores: (
        pd.DataFrame
    )  # store_id, name, region, city, timezone, kind, opened_on, size_sqm, open_day
    suppliers: pd.DataFrame  # supplier_id, name, lead_time_days, format, on_time, fill_rate, ...
    products: pd.DataFrame  # product_id, gtin, name, name_zh, category, unit, case_pack, ...
    prices: pd.DataFrame  # prod_idx, day (< 0: before the period), price_cents, cost_price
    promotions: pd.DataFrame  # promotion_id, prod_idx, store_idx (-1: all), start/end day, pct


def gtin13(body12: str) -> str:
    """Complete a 12-digit body to a GTIN-13 with its check digit."""
    return body12 + ean.calc_check_digit(body12)


def build_catalog(preset: Preset, rng: np.random.Generator) -> Catalog:
    stores = _stores(preset, rng)
    suppliers = _suppliers(preset, rng)
    products = _products(preset, rng)
    prices = _price_history(preset, products, rng)
    last = prices.groupby("prod_idx").last()
    products["retail_price_gross"] = last["price_cents"].to_numpy() / 100
    products["cost_price"] = last["cost_price"].to_numpy()
    return Catalog(
        stores=stores,
        suppliers=suppliers,
        products=products,
        prices=prices,
        promotions=_promotions(preset, len(products), len(stores), rng),
    )


def _price_history(
    preset: Preset, products: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One price per product from before the period, then 0-2 changes inside it (sorted)."""
    n = len(products)
    gross = np.round(products["retail_price_gross"].to_numpy() * 100).astype(np.int64)
    cost = products["cost_price"].to_numpy()
    rows = [
        pd.DataFrame(
            {
                "prod_idx": np.arange(n),
                "day": -rng.integers(30, 400, size=n),
                "price_cents": gross,
                "cost_price": cost,
            }
        )
    ]
    n_changes = rng.choice(3, size=n, p=[0.75, 0.2, 0.05])
    prod = np.repeat(np.arange(n), n_changes)
    if len(prod):
        day = rng.integers(1, preset.n_days, size=len(prod))
        factor = rng.uniform(0.92, 1.12, size=len(prod))
        new_cost = np.round(cost[prod] * factor, 4)
        new_gross = (np.floor(gross[prod] * factor / 10) * 10 + 9).astype(np.int64)
        rows.append(
            pd.DataFrame(
                {"prod_idx": prod, "day": day, "price_cents": new_gross, "cost_price": new_cost}
            )
        )
    prices = pd.concat(rows, ignore_index=True)
    return (
        prices.drop_duplicates(["prod_idx", "day"])
        .sort_values(["prod_idx", "day"])
        .reset_index(drop=True)
    )


def _promotions(
    preset: Preset, n_products: int, n_stores: int, rng: np.random.Generator
) -> pd.DataFrame:
    """A promotions calendar: 7-14 day discounts, chain-wide or for one store."""
    n = max(1, int(round(n_products * preset.n_days / 365 * preset.promotions_per_product_year)))
    start = rng.integers(0, preset.n_days, size=n)
    length = rng.integers(7, 15, size=n)
    order = np.argsort(start, kind="stable")
    return pd.DataFrame(
        {
            "promotion_id": [f"PR{i + 1:06d}" for i in range(n)],
            "prod_idx": rng.integers(0, n_products, size=n)[order],
            "store_idx": np.where(rng.random(n) < 0.7, -1, rng.integers(0, n_stores, size=n))[
                order
            ],
            "start_day": start[order],
            "end_day": np.minimum(start + length - 1, preset.n_days - 1)[order],
            "discount_pct": rng.choice([10, 15, 20, 25, 30], size=n)[order],
        }
    )


def _stores(preset: Preset, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    n_modern = preset.n_stores - preset.n_legacy
    new_store = n_modern - 1 if preset.new_store_opens else -1  # the last modern store is new
    for i in range(preset.n_stores):
        city, region = _CITIES[i % len(_CITIES)]
        quarter = _QUARTERS[(i // len(_CITIES)) % len(_QUARTERS)]
        open_day = preset.n_days // 4 if i == new_store else -int(rng.integers(365, 365 * 15))
        opened = preset.start_date + timedelta(days=open_day)
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
                "open_day": max(open_day, 0),
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
                "format": SUPPLIER_FORMATS[i % len(SUPPLIER_FORMATS)],
                # reliability profile: share of lines confirmed in full, late weight, rejects
                "fill_rate": float(rng.uniform(0.88, 0.99)),
                "late_weight": float(rng.uniform(0.3, 1.7)),
                "reject_rate": float(rng.uniform(0.002, 0.02)),
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
    # in-store weighed items: prefix 2x codes (here 21 + 5-digit item + 5 zero price digits)
    plu = rng.choice(10**5, size=n, replace=False)
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
                "gtin": gtin13(f"21{plu[i]:05d}00000" if unit == "kg" else f"400{refs[i]:09d}"),
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
