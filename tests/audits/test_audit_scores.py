"""Recall and precision of every audit-found fault kind, on the shared `ci` chain (seed 42) and on
a `ci` chain with a random seed (printed by its fixture): both at least 0.99 for every kind."""

from __future__ import annotations

import duckdb
import pytest

from retailwh.audit_score import (
    KIND_RULES,
    load_faults,
    load_findings,
    load_source_facts,
    score,
)

pytestmark = pytest.mark.e2e

GOAL = 0.99


def _below_goal(result) -> dict[str, dict]:
    return {
        kind: s.as_json()
        for kind, s in result.kinds.items()
        if s.recall < GOAL or s.precision < GOAL
    }


def test_every_kind_scores_on_the_shared_ci_chain(ci_chain) -> None:
    faults = ci_chain.faults()
    result = score(
        faults,
        load_findings(ci_chain.serving_file, schema="main"),
        facts=load_source_facts(ci_chain.serving_file, schema="main"),
    )
    assert _below_goal(result) == {}
    # every scored kind was injected, so this is not a vacuous pass
    injected = {f["kind"] for f in faults}
    assert set(KIND_RULES) - {"late_delivery"} <= injected


# A seed drawn at random each run; a miss prints its seed (RETAILWH_AUDIT_SEED=<seed> repeats it).
def test_every_kind_scores_on_a_random_seed(ci_random_chain) -> None:
    result = score(
        load_faults(ci_random_chain.faults_file),
        load_findings(ci_random_chain.warehouse),
        facts=load_source_facts(ci_random_chain.warehouse),
    )
    assert _below_goal(result) == {}, f"seed {ci_random_chain.seed}"


def test_a_healthy_chain_has_no_blocking_findings(ci_chain, ci_random_chain) -> None:
    for database, schema in (
        (ci_chain.serving_file, "main"),
        (ci_random_chain.warehouse, "audits"),
    ):
        with duckdb.connect(str(database), read_only=True) as con:
            blocking = con.execute(
                f"select rule, document_id, message from {schema}.fct_audit_findings "
                "where severity = 'error' and status = 'open'"
            ).fetchall()
        assert blocking == [], database
