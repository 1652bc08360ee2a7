"""Baseline solution folder (data for the evaluator, not imported by SmartTouch)."""
