'''Codes of the semantic validation errors (E1xx-E4xx), with their documentation.

Syntax errors are E001-E009 (``csdl.language.syntax_errors``). Prefixes group the checks:
E1xx targets and operators, E2xx arguments, E3xx limits and structure, E4xx the PYLON
query-filter profile. Each entry is ``code: (name, summary, documentation)``; the documentation is
what ``csdl rule CODE`` prints. Where a check rests on our reading of DataSift's material rather
than a published rule, the documentation says so.
'''

from __future__ import annotations

VALIDATION_CODES: dict[str, tuple[str, str, str]] = {
    "E101": (
        "unknown-target",
        "A target that is not in the catalogue.",
        """DataSift rejects a filter that names a target it does not know
("The target interactin.content does not exist"). The message suggests the closest known target.

Bad:
    interactin.content contains "datasift"
Good:
    interaction.content contains "datasift"
""",
    ),
    "E102": (
        "operator-not-allowed",
        "An operator that the target's type does not support.",
        """Text operators work on strings, ordering comparisons on numbers, geo operators on geo
targets, `url_in` on URL targets.

Bad:
    interaction.sample contains "5"
    interaction.content > 5
Good:
    interaction.sample < 5
    interaction.content contains "5"
""",
    ),
    "E103": (
        "cs-not-allowed",
        "`cs` on an operator or target that has no case to respect.",
        """`cs` makes the text operators (contains, substr, contains_any, contains_all,
contains_near, wildcard) and `==`/`!=` case sensitive. It is not allowed on `in`, `url_in`
(documented as not case sensitive), regular expressions (use `(?i)` instead), comparisons, geo
operators or non-text targets.

Bad:
    interaction.content cs regex_partial "iPhone [0-9]+"
Good:
    interaction.content regex_partial "iPhone [0-9]+"
""",
    ),
    "E104": (
        "argument-type-mismatch",
        "A number where the target holds text, or text where it holds numbers.",
        """The argument must fit the target: quoted text for string targets, unquoted numbers for
numeric targets. Identifier targets (`twitter.user.id`, ...) accept both, as DataSift's examples
compare them either way.

Bad:
    interaction.content == 5
    klout.score == "high"
Good:
    interaction.content == "5"
    klout.score == 50
""",
    ),
    "E201": (
        "invalid-geo",
        "A geo argument that is not `lat,lon` points in the operator's shape.",
        """`geo_box` takes `"north-west lat,lon:south-east lat,lon"`, `geo_radius` takes
`"lat,lon:kilometres"`, `geo_polygon` takes `"lat,lon:lat,lon:lat,lon..."`. Latitude comes first.
A box whose first corner is not north-west of the second is reported too.

Bad:
    interaction.geo geo_radius "51.45,-0.96"
    interaction.geo geo_box "51.41,-1.06:51.49,-0.89"
Good:
    interaction.geo geo_radius "51.45,-0.96:50"
    interaction.geo geo_box "51.49,-1.06:51.41,-0.89"
""",
    ),
    "E202": (
        "coordinate-out-of-range",
        "A latitude outside [-90, 90] or a longitude outside [-180, 180].",
        """The ranges are our model of DataSift's geo operators (the documentation does not state
them); a latitude over 90 usually means latitude and longitude were swapped.

Bad:
    interaction.geo geo_radius "151.5,-0.13:10"
Good:
    interaction.geo geo_radius "51.5,-0.13:10"
""",
    ),
    "E203": (
        "polygon-vertex-count",
        "A `geo_polygon` with fewer than 3 or more than 32 vertices.",
        """DataSift documents "a polygon with up to 32 vertices". The minimum of 3 is our reading of
DataSift's query builder, which needs three points to close a shape.

Bad:
    interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8"
Good:
    interaction.geo geo_polygon "51.4,-0.9:51.5,-0.8:51.3,-0.7"
""",
    ),
    "E204": (
        "radius-not-positive",
        "A `geo_radius` whose radius is zero or negative.",
        """The radius is in kilometres and must be greater than zero.

Bad:
    interaction.geo geo_radius "51.45,-0.96:0"
Good:
    interaction.geo geo_radius "51.45,-0.96:5"
""",
    ),
    "E205": (
        "invalid-contains-near",
        "A `contains_near` argument that is not `\"w1,w2,...:N\"`.",
        """`contains_near` needs at least two words, no spaces inside a word (DataSift: "the strings
cannot contain spaces") and a positive whole distance after the last colon.

Bad:
    interaction.content contains_near "coffee:5"
    interaction.content contains_near "coffee,tea"
Good:
    interaction.content contains_near "coffee,tea:5"
""",
    ),
    "E206": (
        "float-in-list",
        "A decimal number in an `in [...]` list.",
        """`in` accepts strings or integers, not floats (DataSift's `in` documentation).

Bad:
    links.code in [200, 301.5]
Good:
    links.code in [200, 301]
""",
    ),
    "E207": (
        "empty-list-item",
        "An empty item in a list (`\"a,,b\"`, a trailing comma) or an empty list.",
        """An empty item is almost always a typing slip; DataSift's behaviour for it is unknown, so
we reject it. Write a literal comma inside an item as `\\,`.

Bad:
    interaction.content contains_any "coffee,,tea,"
Good:
    interaction.content contains_any "coffee, tea"
""",
    ),
    "E208": (
        "invalid-regex",
        "A regular expression that RE2 rejects.",
        """CSDL regular expressions use Google RE2 syntax: no backreferences, no lookahead or
lookbehind, no possessive quantifiers. The message carries RE2's own reason. Remember that the
CSDL string is unescaped first: write `\\\\d` for the regex `\\d`.

Bad:
    interaction.content regex_partial "(ha)\\\\1"
    interaction.content regex_partial "iphone(?= [0-9]+)"
Good:
    interaction.content regex_partial "(ha){2}"
    interaction.content regex_partial "iphone [0-9]+"
""",
    ),
    "E209": (
        "invalid-hash",
        "A `stream`/`tags` hash that is not 32 hexadecimal characters.",
        """Stream hashes are 32 hexadecimal characters in every DataSift example; we treat that as
the rule.

Bad:
    stream "f0596f03644177b8"
Good:
    stream "f0596f03644177b8bf5b59708a08bfe8"
""",
    ),
    "E210": (
        "invalid-tag-namespace",
        "A tag namespace segment with characters DataSift does not allow.",
        """Namespace segments are letters, digits, hyphens and underscores and must not start with
a digit (DataSift lists `tag.levis.501` as invalid). DataSift's page contradicts itself about
accented letters (`tag.restaurant.café` is shown as valid), so we accept letters of any
alphabet; the "no leading digit" rule is our reading of the invalid example.

Bad:
    tag.levis.501 "501 Jeans" { fb.all.content any "Levis 501" }
Good:
    tag.clothing.levis "501" { fb.all.content any "Levis 501" }
""",
    ),
    "E211": (
        "unknown-switch",
        "An operator switch other than `case`, `keep` or `drop`, or one on an operator that has none.",
        """`[case(true|false)]` applies to the text operators; `[keep(...)]` and `[drop(...)]`
(tokenizer punctuation sets) to `contains`, `contains_any` and `contains_near`.

Bad:
    interaction.content contains [ignore(true)] "x"
Good:
    interaction.content contains [case(true)] "x"
""",
    ),
    "E212": (
        "invalid-switch-value",
        "A switch with a missing or unknown value (`case` takes `true` or `false`).",
        """Bad:
    interaction.content contains [case(yes)] "AbAb"
Good:
    interaction.content contains [case(true)] "AbAb"
""",
    ),
    "E301": (
        "too-many-conditions",
        "More than 1,000 conditions in one filter.",
        """DataSift allows at most 1,000 conditions ("maximum recursion depth of 1000 has been
reached"). We count every condition, `exists` and `stream` reference in the whole document, tag
rules and `return` together (our reading of the limit). Long OR chains of `contains` are usually
one `contains_any`: 1,001 `interaction.content contains "w…"` joined by OR are refused, while
`interaction.content contains_any "w1, w2, …, w1001"` is one condition.
""",
    ),
    "E302": (
        "score-without-namespace",
        "A scoring rule (`tag <number> {...}`) with no namespace.",
        """A score is summed per namespace, so a scoring rule needs at least one namespace segment.
Every DataSift example has one; the rule is our inference.

Bad:
    tag 5 { interaction.content contains "buy" }
Good:
    tag.sales.lead_score 5 { interaction.content contains "buy" }
""",
    ),
    "E401": (
        "target-not-on-platform",
        "A target that the selected platform profile cannot filter on.",
        """The default profile is a STREAM interaction filter: PYLON analysis targets such as
`interaction.tags`, `interaction.ml.categories` and `interaction.tag_tree.*` are rejected there
("cannot be used in an Interaction Filter"). With `--platform pylon` (a PYLON query filter) only
PYLON targets that are usable in query filters are accepted.

Bad (stream):
    interaction.tags in "BMW, Honda"
Good (pylon):
    interaction.tags in "BMW, Honda"
""",
    ),
    "E402": (
        "operator-not-on-platform",
        "An operator that PYLON query filters do not offer (regex, geo, substr, url_in).",
        """Bad (pylon):
    fb.content regex_partial "[a-z]"
Good (pylon):
    fb.content contains_any "coffee, tea"
""",
    ),
    "E403": (
        "cs-not-on-platform",
        "`cs` or `[case(true)]` in a PYLON query filter.",
        """PYLON query filters are not case sensitive.

Bad (pylon):
    fb.content cs contains "Apple"
Good (pylon):
    fb.content contains "Apple"
""",
    ),
    "E404": (
        "list-too-long",
        "A list of more than 100 items in a PYLON query filter.",
        """PYLON query filters limit `contains_any`, `contains_all`, `wildcard`, `contains_near`
and `in` lists to 100 items. STREAM filters have no item limit besides the 1 MB document size.

Bad (pylon):
    fb.content contains_any "w1, w2, ..., w101"
Good (pylon):
    fb.content contains_any "w1, w2, ..., w100"
""",
    ),
    "E405": (
        "invalid-query-wildcard",
        "A PYLON `wildcard` item that starts with `*`/`?` or has non-alphanumeric characters.",
        """Bad (pylon):
    fb.content wildcard "*phone"
Good (pylon):
    fb.content wildcard "phone*"
""",
    ),
    "E406": (
        "query-operator-target-mismatch",
        "A PYLON query-filter operator on the wrong kind of target.",
        """In PYLON query filters `contains`, `contains_any`, `contains_all`, `contains_near` and
`wildcard` work only on tokenized (free text) targets, and `==`/`!=` only on non-tokenized ones.

Bad (pylon):
    fb.content == "coffee"
Good (pylon):
    fb.content contains "coffee"
""",
    ),
}
