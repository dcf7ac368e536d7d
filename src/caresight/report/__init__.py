"""The self-contained HTML executive report, drawn from the computed KPI values."""
