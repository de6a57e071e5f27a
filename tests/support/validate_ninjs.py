#!/usr/bin/env python3
"""Validates ninjs JSON files against the IPTC's official ninjs JSON Schemas.

Usage: validate_ninjs.py SCHEMA_DIR FILE...

Each file holds one ninjs object; it is validated against every schema of its major version in
SCHEMA_DIR (ninjs-schema_2.*.json for a 2.x object, ninjs-schema_3.*.json for 3.x, told by the
object's standard.version) with the JSON Schema draft the schema declares, checking the
date-time and uri formats too. Prints one line per failure; exit status 0 when every file is
valid against every schema, 1 when one is not, 2 when the validator cannot run (jsonschema
missing: install python3-jsonschema, see deploy/setup.sh).
"""
import datetime
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python module jsonschema is missing (apt install python3-jsonschema)")
    sys.exit(2)


def is_datetime(value):
    if not isinstance(value, str):
        return True
    if "T" not in value:
        return False
    v = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        datetime.datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def is_uri(value):
    if not isinstance(value, str):
        return True
    scheme, sep, rest = value.partition(":")
    return bool(sep and rest and scheme and scheme[0].isalpha() and
                all(c.isalnum() or c in "+-." for c in scheme) and " " not in value)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schema_dir = sys.argv[1]
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(is_datetime)
    checker.checks("uri")(is_uri)
    schemas = {}
    for major in ("2", "3"):
        for path in sorted(glob.glob(os.path.join(schema_dir, f"ninjs-schema_{major}.*.json"))):
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            schemas.setdefault(major, []).append((os.path.basename(path),
                                                  cls(schema, format_checker=checker)))
    failures = 0
    checked = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
        major = str(obj.get("standard", {}).get("version", "?")).split(".")[0]
        if major not in schemas:
            print(f"{path}: no schema for ninjs version {major!r} in {schema_dir}")
            failures += 1
            continue
        for name, validator in schemas[major]:
            checked += 1
            for err in validator.iter_errors(obj):
                where = "/".join(str(p) for p in err.absolute_path)
                print(f"{path}: {name}: at /{where}: {err.message[:300]}")
                failures += 1
    print(f"validated {len(sys.argv) - 2} file(s), {checked} file x schema check(s), "
          f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
