"""GraphQL types of the SMS template analysis (`Query.templateCost`, `Campaign.templateCost`):
thin mappings of `backend.costs.templates.TemplateAnalysis`."""

from __future__ import annotations

import strawberry

from backend.costs.templates import (
    CAPACITY,
    MAX_TEMPLATE_LENGTH,
    ForcingCharacter,
    SmsEncoding,
    TemplateAnalysis,
)

_GSM, _UCS = CAPACITY[SmsEncoding.GSM_7], CAPACITY[SmsEncoding.UCS_2]

SmsEncodingEnum = strawberry.enum(
    SmsEncoding,
    name="SmsEncoding",
    description=(
        "How an SMS is encoded (3GPP TS 23.038). GSM_7: every character is in the GSM 7-bit "
        "default alphabet or its extension table (an extension character such as € [ ] { } ^ "
        f"~ \\ | takes two septets); {_GSM.single} septets in a single message, "
        f"{_GSM.concatenated} per part of a concatenated one. UCS_2: any other character; "
        f"counted in UTF-16 code units (an emoji takes two), {_UCS.single} and "
        f"{_UCS.concatenated}."
    ),
)

TEMPLATE_TEXT_DESCRIPTION = (
    f"The message text, at most {MAX_TEMPLATE_LENGTH:,} characters (TEXT_TOO_LONG beyond)."
)


@strawberry.type(description="A character that GSM-7 cannot carry: it makes the text UCS-2.")
class TemplateCharacter:
    character: str
    code_point: str = strawberry.field(description='Its Unicode code point, e.g. "U+2019".')
    positions: list[int] = strawberry.field(
        description="Where it occurs: 0-based positions in code points (an emoji counts one)."
    )
    gsm_replacement: str | None = strawberry.field(
        description=(
            "The GSM-7 look-alike the rewrite puts in its place (' for a curly apostrophe, - "
            'for a dash, ... for an ellipsis, a space for a no-break space); "" for an '
            "invisible character the rewrite drops; null when there is none (an emoji, a "
            "letter of another script)."
        )
    )

    @classmethod
    def of(cls, found: ForcingCharacter) -> TemplateCharacter:
        return cls(
            character=found.character,
            code_point=found.code_point,
            positions=list(found.positions),
            gsm_replacement=found.gsm_replacement,
        )


@strawberry.type(
    description=(
        "What an SMS text costs in segments, and why. An empty text is one segment: sending "
        "it still takes a message."
    )
)
class TemplateCost:
    encoding: SmsEncodingEnum  # type: ignore[valid-type]
    characters: int = strawberry.field(description="Length in Unicode code points.")
    length: int = strawberry.field(
        description="Length in septets (GSM_7, extension characters two) or UTF-16 code units "
        "(UCS_2, characters beyond U+FFFF two): what the segments hold."
    )
    segments: int = strawberry.field(description="Messages the text is sent as (at least 1).")
    segment_capacity: int = strawberry.field(
        description=(
            f"What each segment holds: {_GSM.single} (GSM_7) or {_UCS.single} (UCS_2) for a "
            f"single message, {_GSM.concatenated} or {_UCS.concatenated} per part of a longer one."
        )
    )
    segment_lengths: list[int] = strawberry.field(
        description=(
            "Septets or code units in each segment, in order. A segment never ends between the "
            "two septets of an extension character or the two halves of a surrogate pair, so "
            "it may hold one less than its capacity."
        )
    )
    ucs2_characters: list[TemplateCharacter] = strawberry.field(
        description="Each character that forces UCS_2, in order of first occurrence; empty "
        "for GSM_7."
    )
    gsm7_rewrite: str | None = strawberry.field(
        description=(
            "The text with every UCS-2 character replaced by its GSM-7 look-alike. Null when "
            "the text is GSM_7 already, or when some character has no look-alike."
        )
    )
    gsm7_rewrite_segments: int | None = strawberry.field(
        description="Segments of `gsm7Rewrite` (GSM_7); null when there is no rewrite."
    )

    @classmethod
    def of(cls, analysis: TemplateAnalysis) -> TemplateCost:
        return cls(
            encoding=analysis.encoding,
            characters=analysis.characters,
            length=analysis.length,
            segments=analysis.segments,
            segment_capacity=analysis.segment_capacity,
            segment_lengths=list(analysis.segment_lengths),
            ucs2_characters=[TemplateCharacter.of(c) for c in analysis.ucs2_characters],
            gsm7_rewrite=analysis.gsm7_rewrite,
            gsm7_rewrite_segments=analysis.gsm7_rewrite_segments,
        )
