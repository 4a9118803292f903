"""The simulated CRM: its data (``data``) and its HTTP API (``server``)."""
