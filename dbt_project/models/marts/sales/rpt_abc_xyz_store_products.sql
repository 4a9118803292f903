-- ABC (net revenue, 80/15/5) and XYZ (coefficient of variation of weekly net units: < 0.5, < 1.0,
-- else; mean 0 is Z; at least 13 full weeks since listing) per store and product over the trailing
-- 52 weeks ending at the as-of date. The logic is shared with the chain-wide rpt_abc_xyz_products
-- (macros/abc_xyz.sql).

{{ abc_xyz_classes(by_store=true) }}
