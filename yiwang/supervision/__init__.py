"""Electronic supervision (电子监察): rules, the supervision tick, alerts and cards, supervision orders, scores."""
