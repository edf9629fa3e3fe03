"""Records: the YAML files under data/ read strictly into typed values that remember file:line.

``schema`` holds the record format (keys, value types, documentation), ``model`` the typed
classes a record becomes, ``parse`` turns a YAML tree into them, ``load`` reads a data folder.
The names below are the package's face for the stages after it.
"""

from consortia_kg.records.load import (
    RecordFile,
    RecordSet,
    data_version,
    display_path,
    load_records,
    read_found,
    read_record,
    record_file,
    record_files,
)
from consortia_kg.records.model import Located, Record
from consortia_kg.records.schema import KINDS, SCHEMAS, Schema

__all__ = [
    "KINDS",
    "SCHEMAS",
    "Located",
    "Record",
    "RecordFile",
    "RecordSet",
    "Schema",
    "data_version",
    "display_path",
    "load_records",
    "read_found",
    "read_record",
    "record_file",
    "record_files",
]
