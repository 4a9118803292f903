{#- An audit model's findings, as a dbt test: every row is a failure. Configured with severity warn
    on each audit model, so Dagster shows each audit as an asset check (WARN with the number of
    findings) without dbt skipping what depends on the audit; blocking is the publish's job. -#}
{% test no_findings(model) %}

select * from {{ model }}

{% endtest %}
