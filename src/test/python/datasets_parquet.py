"""Loads a dataset's parquet conversion from Forge with the real datasets library (HF_ENDPOINT points at Forge).

Usage: python datasets_parquet.py <repo_id> [revision]
Prints one JSON object: split name -> list of rows (as dicts).
"""
import json
import sys

from datasets import load_dataset

repo = sys.argv[1]
revision = sys.argv[2] if len(sys.argv) > 2 else "refs/convert/parquet"
loaded = load_dataset(repo, revision=revision)
print(json.dumps({split: [dict(row) for row in data] for split, data in loaded.items()}, default=str))
