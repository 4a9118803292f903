"""Customer marts on the shared `ci` chain, against the simulator's recorded sources and an
independent implementation of the definitions (the hand-computed fixtures are dbt unit tests in
dbt_project/models/marts/customers/_customers__models.yml)."""

from __future__ import annotations

import re
from fractions import Fraction

import duckdb
import pytest

pytestmark = pytest.mark.e2e

PII_COLUMNS = {"first_name", "last_name", "email", "phone", "loyalty_card"}


@pytest.fixture(scope="module")
def warehouse(ci_chain):
    with duckdb.connect(str(ci_chain.warehouse), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def recorded():
    """The ci chain's true rows spilled to disk with its faults planned (the same seed as the
    shared ci chain)."""
    from simulator.prepared import cached_chain

    return cached_chain("ci", 42)


def _rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_merged_member_card_counts_for_the_surviving_contact(ci_chain, warehouse):
    merges = [f for f in ci_chain.faults() if f["kind"] == "crm_members_merged"]
    assert merges, "the ci chain must merge a CRM member"
    for fault in merges:
        match = re.search(r"of contact (\d+), merged into (\d+)", fault["detail"])
        absorbed, survivor = match.groups()
        assert _rows(
            warehouse,
            "select merged_into_customer_id, is_archived from marts.dim_customers "
            "where customer_id = ?",
            [absorbed],
        ) == [(survivor, True)]
        # the receipt on the absorbed contact's card counts for the survivor
        assert _rows(
            warehouse,
            "select distinct customer_id, card_contact_id "
            "from intermediate.int_customer_sales_lines_resolved "
            "where store_id = ? and receipt_id = ?",
            [fault["store_id"], fault["document_id"]],
        ) == [(survivor, absorbed)]
        assert _rows(
            warehouse,
            "select count(*) from marts.fct_customer_rfm where customer_id = ?",
            [absorbed],
        ) == [(0,)]


def test_purchase_receipts_per_customer_match_the_recorded_modern_stores(warehouse, recorded):
    """Every completed modern-store receipt with a sold line on a CRM card, per customer (a merged
    contact's card resolved to the survivor), exactly as the store systems recorded it. Legacy
    receipts are left out: ingestion quarantines some of their lines (file faults) by design."""
    from simulator.faults import merged_contacts
    from simulator.ids import receipt_ids

    chain = recorded.chain
    stores = [recorded.record(s) for s in range(len(chain.store_ids))]
    contacts = merged_contacts(chain, [m for rec in stores for m in rec.merges])
    card_owner = {}
    for row in contacts.itertuples():
        card_owner[row.loyalty_card] = str(row.id)
    survivor_of = {}
    for row in contacts.itertuples():
        for absorbed in filter(None, str(row.hs_merged_object_ids or "").split(";")):
            survivor_of[absorbed.strip()] = str(row.id)
    kinds = dict(zip(chain.catalog.stores["store_id"], chain.catalog.stores["kind"], strict=True))
    store_ids = chain.store_ids
    expected = set()
    for rec in stores:
        store = str(store_ids[rec.store_idx])
        if kinds[store] != "modern":
            continue
        sold = set(rec.lines.loc[rec.lines["qty_milli"] > 0, "receipt_key"])
        r = rec.receipts
        ids = receipt_ids(chain.clock, store, r["day"].to_numpy(), r["seq"].to_numpy())
        for receipt_id, key, voided, card in zip(
            ids.to_pylist(), r["receipt_key"], r["voided"], r["loyalty_card"], strict=True
        ):
            owner = card_owner.get(card)
            if voided or key not in sold or owner is None:
                continue
            expected.add((survivor_of.get(owner, owner), store, receipt_id))
    built = set(
        _rows(
            warehouse,
            "select r.customer_id, r.store_id, r.receipt_id "
            "from intermediate.int_customer_receipts_summarized as r "
            "join marts.dim_stores as s using (store_id) "
            "where s.store_kind = 'modern' and r.is_purchase",
        )
    )
    assert len(expected) > 1000
    assert built == expected


def _quintile(rank: int, n: int) -> int:
    percent_rank = Fraction(rank - 1, n - 1) if n > 1 else Fraction(0)
    return min(5, 1 + int(5 * percent_rank))


def test_rfm_scores_follow_percent_rank_quintiles(warehouse):
    """An independent, exact (fractions) computation of the scores from R, F and M as built."""
    rows = _rows(
        warehouse,
        "select customer_id, last_purchase_date, frequency, monetary_net, r_score, f_score, "
        "m_score, as_of_date, recency_days from marts.fct_customer_rfm",
    )
    n = len(rows)
    assert n > 100
    for index, column in ((4, 1), (5, 2), (6, 3)):
        values = sorted(r[column] for r in rows)
        first_rank = {}
        for position, value in enumerate(values, start=1):
            first_rank.setdefault(value, position)
        for r in rows:
            assert r[index] == _quintile(first_rank[r[column]], n), (r, column)
    assert all((r[7] - r[1]).days == r[8] for r in rows)
    # equal values share a score, so some quintiles are bigger than a fifth (unlike NTILE)
    assert len({r[5] for r in rows}) >= 3


def test_rfm_totals_match_the_customer_receipts(warehouse):
    mismatches = _rows(
        warehouse,
        """
        select rfm.customer_id
        from marts.fct_customer_rfm as rfm
        join (
            select
                customer_id,
                count(case when is_purchase then 1 end) as frequency,
                sum(amount_net) as monetary_net,
                max(case when is_purchase then business_date end) as last_purchase_date
            from intermediate.int_customer_receipts_summarized
            where business_date <= (select max(as_of_date) from marts.fct_customer_rfm)
            group by customer_id
        ) as receipts using (customer_id)
        where rfm.frequency <> receipts.frequency
            or rfm.monetary_net <> receipts.monetary_net
            or rfm.last_purchase_date <> receipts.last_purchase_date
        """,
    )
    assert mismatches == []


def test_cohorts_and_repeat_rate_agree_with_the_customers(warehouse):
    by_cohort = dict(
        _rows(
            warehouse,
            "select cohort_month, count(*) from marts.dim_customers "
            "where cohort_month is not null group by cohort_month",
        )
    )
    report = _rows(
        warehouse,
        "select cohort_month, cohort_customers, cohort_repeat_customers "
        "from marts.rpt_customer_cohort_retention where months_since_first_purchase = 0",
    )
    assert {cohort: size for cohort, size, _ in report} == by_cohort
    repeaters = dict(
        _rows(
            warehouse,
            "select cohort_month, count(*) from marts.dim_customers "
            "where is_repeat_customer group by cohort_month",
        )
    )
    assert {cohort: rep for cohort, _, rep in report if rep} == repeaters


def test_personal_data_only_in_the_pii_schema(warehouse):
    columns = _rows(
        warehouse,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('marts', 'audits')",
    )
    assert [c for c in columns if c[2] in PII_COLUMNS] == []
    pii = {
        c
        for (c,) in _rows(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'pii' and table_name = 'dim_customer_pii'",
        )
    }
    assert pii >= PII_COLUMNS
    # every customer mart names its customers by the key
    for table in (
        "dim_customers",
        "fct_customer_rfm",
        "fct_customer_months",
        "fct_customer_lifetime_value",
        "fct_customer_category_affinity",
        "fct_customer_feedback",
    ):
        assert ("marts", table, "customer_id") in columns


def test_nps_counts_every_scored_feedback(warehouse):
    (feedback,) = _rows(
        warehouse,
        "select count(*) from marts.fct_customer_feedback "
        "where score is not null and store_id is not null",
    )[0]
    (responses, nps_min, nps_max) = _rows(
        warehouse, "select sum(responses), min(nps), max(nps) from marts.rpt_store_feedback_nps"
    )[0]
    assert feedback > 100 and responses == feedback
    assert -100 <= nps_min <= nps_max <= 100
