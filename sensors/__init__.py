"""Automation: `inbox_sensor`, the hourly ETL sweep, the weekly drift schedule and retraining when a drift
report says the data moved.
"""
