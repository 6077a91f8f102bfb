"""The data-driven attribution models (Markov removal effect, Shapley of a logistic
conversion model): the small solve over the journeys dbt counts, in numpy."""
