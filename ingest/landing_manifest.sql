-- The landing manifest (landing/_manifest.sqlite); see ingest/landing.py.
create table if not exists batches (
    batch_id text not null,
    source text not null,
    object text not null,
    source_id text not null,
    path text primary key,
    rows integer not null,
    sha256 text not null,
    loaded_at text not null,
    cursor_json text,
    kind text not null default 'data' check (kind in ('data', 'quarantine', 'quarantine_pii'))
);
create index if not exists batches_scope on batches (source, object, source_id);
create index if not exists batches_batch_id on batches (batch_id);
create table if not exists cursors (
    source text not null,
    object text not null,
    source_id text not null,
    cursor_json text not null,
    primary key (source, object, source_id)
);
create table if not exists files (
    source text not null,
    source_id text not null,
    file_name text not null,
    sha256 text not null,
    status text not null check (status in ('loaded', 'duplicate', 'quarantined')),
    batch_id text,
    seen_at text not null,
    primary key (source, source_id, file_name, sha256)
);
create index if not exists files_sha on files (source, source_id, sha256);
-- Per batch: the rows at the source it accounts for, and how many of them landed or went to
-- quarantine (rows_source = rows_landed + rows_quarantined; checked by the Dagster asset checks).
create table if not exists batch_counts (
    batch_id text primary key,
    source text not null,
    object text not null,
    source_id text not null,
    rows_source integer not null,
    rows_landed integer not null,
    rows_quarantined integer not null,
    loaded_at text not null
);
