"""Bulk course import and export.

- `reader`: detects the format (JSON array, NDJSON, multipart) and yields items with their line numbers;
- `items`: validates each item against the import schema (`oms.schemas.course_import`);
- `plan`: matches items to stored courses by slug (sections by id, then title) and decides each write;
- `importer`: runs the plan in batches (dry run, upsert or create, atomic), invalidates caches, reports;
- `export`: the NDJSON stream of every course, importable as it is.
"""
