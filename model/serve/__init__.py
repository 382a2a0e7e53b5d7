"""The HTTP service (``war-ner serve``, the ``serve`` extra): ``app`` builds the FastAPI app around one loaded
predictor, ``page`` renders the right-to-left page. Import ``model.serve.app`` only where fastapi is installed."""
