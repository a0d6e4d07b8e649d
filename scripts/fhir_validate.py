"""Parses FHIR Bundles with fhir.resources (R4B models, whose resources used here match R4's):
the bundle as a whole, then every entry's resource on its own with the model of its type.
Also checks what the export promises beyond the models: only the expected resource types,
`urn:uuid:<id>` full URLs and references that name an entry of the same bundle.

    python fhir_validate.py BUNDLE.json [BUNDLE.json ...]

Exits non-zero on the first problem, naming the file, entry and error.
"""

import json
import sys

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

EXPECTED_TYPES = {
    "Patient",
    "Practitioner",
    "Condition",
    "CareTeam",
    "MedicationStatement",
    "Observation",
}


def references(value, found):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                found.append(inner)
            else:
                references(inner, found)
    elif isinstance(value, list):
        for item in value:
            references(item, found)


def validate(path):
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    Bundle.model_validate(data)
    if data.get("type") != "collection":
        raise ValueError(f"bundle type {data.get('type')!r}, not 'collection'")
    full_urls = set()
    counts = {}
    for index, entry in enumerate(data.get("entry", [])):
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind not in EXPECTED_TYPES:
            raise ValueError(f"entry {index}: unexpected resource type {kind}")
        try:
            get_fhir_model_class(kind).model_validate(resource)
        except Exception as error:
            raise ValueError(f"entry {index} ({kind} {resource.get('id')}): {error}") from error
        if entry["fullUrl"] != f"urn:uuid:{resource['id']}":
            raise ValueError(f"entry {index}: fullUrl {entry['fullUrl']} is not urn:uuid:<id>")
        full_urls.add(entry["fullUrl"])
        counts[kind] = counts.get(kind, 0) + 1
    found = []
    references(data, found)
    for reference in found:
        if reference not in full_urls:
            raise ValueError(f"reference {reference} names no entry of the bundle")
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    print(f"{path}: valid FHIR R4B ({summary}; {len(found)} references resolved)")


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    for path in paths:
        try:
            validate(path)
        except Exception as error:
            print(f"{path}: INVALID: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
