"""Questionnaire content as data: the YAML files, their schema, loader and validation."""
