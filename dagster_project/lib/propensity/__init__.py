"""Buyer propensity: who is likely to win or to buy, trained on the past and judged on the
later snapshots it never saw (docs/propensity.md)."""
