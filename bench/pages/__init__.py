"""`python -m bench.pages`: how fast the dashboards' pages answer at the seed's scale."""
