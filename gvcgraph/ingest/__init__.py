"""Readers that turn input files into validated RDF: case studies (YAML, CSV, XLSX) and more."""
