"""The model server that goes into the serving image (`app.py`, copied as `server.py`)."""
