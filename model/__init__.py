"""Inference side of the toolkit: what downstream applications import.

Data flow: text -> words (``model.words``) -> tags from a token classifier (``model.predictor``)
-> character spans (``model.spans``) -> event records (``model.events``).
"""
