"""Story parsers, one module per file format."""
