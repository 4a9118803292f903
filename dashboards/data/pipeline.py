"""Pipeline runs and alerts from the pipeline log (retailwh/pipeline_log.py), for data health."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from retailwh import pipeline_log

RUN_COLUMNS = ["finished_at", "job_name", "status", "run_id", "message"]
ALERT_COLUMNS = ["raised_at", "job_name", "severity", "message", "run_id"]


# keyed on the log's path so a data folder switch never shows another folder's runs
@st.cache_data(ttl=30, show_spinner=False)
def _runs(path: str, limit: int) -> pd.DataFrame:
    return pd.DataFrame(pipeline_log.recent_runs(limit, Path(path)), columns=RUN_COLUMNS)


@st.cache_data(ttl=30, show_spinner=False)
def _alerts(path: str, limit: int) -> pd.DataFrame:
    return pd.DataFrame(pipeline_log.recent_alerts(limit, Path(path)), columns=ALERT_COLUMNS)


def recent_runs(limit: int = 20) -> pd.DataFrame:
    return _runs(str(pipeline_log.log_path()), limit)


def recent_alerts(limit: int = 20) -> pd.DataFrame:
    return _alerts(str(pipeline_log.log_path()), limit)
