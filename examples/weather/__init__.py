"""The weather station service `make demo` serves: `wit/weather.wit`, implemented in `service.py`."""
