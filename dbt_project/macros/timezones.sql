{#- Store-local wall-clock time from a UTC timestamp and back (tz: an IANA name or a column holding
    one). Business dates are store-local; movement and sale times are UTC. -#}

{% macro utc_to_local(utc_timestamp, tz) -%}
    {{ return(adapter.dispatch('utc_to_local')(utc_timestamp, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(utc_timestamp, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}

{% macro postgres__utc_to_local(utc_timestamp, tz) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ tz }}
{%- endmacro %}


{% macro local_to_utc(local_timestamp, tz) -%}
    {{ return(adapter.dispatch('local_to_utc')(local_timestamp, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp, tz) -%}
    timezone('UTC', timezone({{ tz }}, {{ local_timestamp }}))
{%- endmacro %}

{% macro postgres__local_to_utc(local_timestamp, tz) -%}
    (({{ local_timestamp }}) at time zone {{ tz }}) at time zone 'UTC'
{%- endmacro %}
