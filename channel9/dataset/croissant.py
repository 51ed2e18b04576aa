"""The dataset's Croissant metadata: MLCommons' JSON-LD description of a machine-learning
dataset (``X.croissant.json`` beside ``X.parquet``), which the Hugging Face Hub, Kaggle and
OpenML read, with its responsible-AI fields (Croissant RAI).

The Hub derives a Croissant file of its own from a dataset's files, without the
responsible-AI fields unless the publisher ships them: this one names how the data was
collected, its limits, the personal information it holds and the uses it suits.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from channel9.dataset.build import (
    COUNTS,
    DERIVED_FIELDS,
    FIELDS,
    LISTS,
    MOMENTS,
    REVISION_FIELDS,
)

if TYPE_CHECKING:
    from channel9.dataset.build import Built

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "equivalentProperty": "cr:equivalentProperty",
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
"""Croissant 1.0's context, as its specification gives it."""
ENCODINGS = {
    ".parquet": "application/x-parquet",
    ".csv": "text/csv",
    ".jsonl": "application/jsonlines",
}
CREATOR = "channel9"
"""The ``creator`` a build names: how it knows a ``.croissant.json`` for one it wrote."""


def data_type(name: str) -> str:
    """A column's type, as Croissant names schema.org's."""
    if name == "url":
        return "sc:URL"
    if name == "published_date":
        return "sc:Date"
    if name in MOMENTS:
        return "sc:DateTime"
    if name in (*COUNTS, "revision"):
        return "sc:Integer"
    if name == "language_score":
        return "sc:Float"
    return "sc:Text"


def croissant(
    output: Path,
    data: Path,
    built: Built,
    described: dict[str, Any],
    about: dict[str, str],
) -> dict[str, Any]:
    """The Croissant metadata of the dataset ``output``, whose bytes are in ``data``.

    ``described`` are the item schema's fields, ``about`` the card's words: its
    ``description``, ``site``, ``licence``, ``citation``, ``built``, ``collection``,
    ``limitations``."""
    digest = hashlib.sha256()
    with data.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    columns = (*FIELDS, *DERIVED_FIELDS, *(REVISION_FIELDS if built.revisions else ()))
    meanings = {
        **{name: rule.get("description", "") for name, rule in described.items()},
        "language": "The text's language, ISO 639-1 (py3langid).",
        "language_score": "py3langid's probability for that language, 0 to 1.",
        "duplicate_cluster": (
            "The URL of the earliest article whose text is nearly the same as this one's"
            " (MinHash); null when no other is."
        ),
        "revision": "The version's number, 1 for the first fetched.",
        "changed": "The fields that differ from the version before.",
    }
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": output.stem,
        "description": about["description"],
        "url": about["site"],
        "creator": {"@type": "sc:Organization", "name": CREATOR},
        "license": about["licence"],
        "citeAs": about["citation"],
        "datePublished": about["built"],
        # The build's day as MAJOR.MINOR.PATCH (2026.12.7): a dataset rebuilt from more runs
        # is a new version.
        "version": ".".join(str(int(part)) for part in about["built"][:10].split("-")),
        "inLanguage": "id",
        "rai:dataCollection": about["collection"],
        "rai:dataCollectionType": "Web Scraping",
        "rai:dataLimitations": about["limitations"],
        "rai:personalSensitiveInformation": (
            "Names of the people the news is about and of its writers (the author field), as"
            " the publisher printed them; news about politics, religion, health and crimes."
            " Nothing beyond what the public pages show is collected."
        ),
        "rai:dataUseCases": (
            "Research on Indonesian news and language: media monitoring, corpus linguistics,"
            " training and evaluating language models under the publisher's terms. Not for"
            " republishing the articles, nor for profiling the people they name."
        ),
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": output.name,
                "name": output.name,
                "contentUrl": output.name,
                "encodingFormat": ENCODINGS[output.suffix],
                "sha256": digest.hexdigest(),
            }
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": "articles",
                "name": "articles",
                "description": "One row per article"
                + (", per version" if built.revisions else "")
                + ("; list columns hold JSON arrays" if output.suffix == ".csv" else "."),
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"articles/{name}",
                        "name": name,
                        "description": meanings.get(name, "")
                        + (" A list." if name in LISTS else ""),
                        "dataType": data_type(name),
                        "source": {
                            "fileObject": {"@id": output.name},
                            "extract": {"column": name},
                        },
                    }
                    for name in columns
                ],
            }
        ],
    }
