"""The template of the generated plugin file: ``main.py`` (read by ``kili_rules.generator.generate``)."""
