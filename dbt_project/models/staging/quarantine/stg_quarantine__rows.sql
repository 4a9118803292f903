with

source as (

    select * from {{ landing_source('quarantine', 'rows') }}

),

renamed as (

    select
        _source as source_kind,
        _object as source_object,
        _source_id as source_id,
        _batch_id as batch_id,
        cast(_loaded_at as timestamp) as quarantined_at,
        source_file,
        cast(line_no as bigint) as line_no,
        line_no is null as is_whole_file,
        raw as raw_masked,
        reason
    from source

)

select * from renamed
