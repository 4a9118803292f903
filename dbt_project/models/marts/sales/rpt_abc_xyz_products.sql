-- ABC (net revenue, 80/15/5) and XYZ (coefficient of variation of weekly net units: < 0.5, < 1.0,
-- else; mean 0 is Z; at least 13 full weeks since listing) per product across the chain over the
-- trailing 52 weeks ending at the as-of date (macros/abc_xyz.sql, shared with the per-store mart).

{{ abc_xyz_classes(by_store=false) }}
