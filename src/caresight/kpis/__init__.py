"""KPI definitions (pure) and the engine that computes them on a store."""
