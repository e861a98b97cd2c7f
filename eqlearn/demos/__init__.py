"""Worked examples: the black-body demo (`eqlearn demo blackbody`)."""
