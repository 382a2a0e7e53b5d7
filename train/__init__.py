"""Training side of the toolkit: corpus tools, encoding, fine-tuning, evaluation and the ``war-ner`` CLI."""
