"""Custom actions: thin Rasa adapters over commerce/ and the engines.

One module per concept; each turns slots into a call and a result into messages.
"""
