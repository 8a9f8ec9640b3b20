"""The analysis of an SMS template (3GPP TS 23.038): its encoding, length and segments, the
characters that force UCS-2, and the GSM-7 rewrite that avoids them.

GSM-7 carries a text when every character is in the default alphabet or its extension table
(an extension character takes two septets); a single message holds 160 septets, and each part
of a concatenated one 153 (the user data header takes the rest). Any other character makes the
whole text UCS-2, counted in UTF-16 code units (a character beyond U+FFFF takes two): 70 in a
single message, 67 per part. A part never ends between the two septets of an extension
character nor between the two halves of a surrogate pair, so such a character that would
straddle a boundary moves whole to the next part, leaving the previous part one unit short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from backend.costs.gsm_alphabet import LOOK_ALIKES, septets
from backend.enums import Channel
from backend.errors import ProductError

# Far beyond any SMS (ten thousand characters is 66 GSM-7 parts; carriers stop at a few
# dozen), and small enough that analysing it costs nothing.
MAX_TEMPLATE_LENGTH = 10_000


class SmsEncoding(StrEnum):
    GSM_7 = "GSM_7"
    UCS_2 = "UCS_2"


@dataclass(frozen=True)
class SegmentCapacity:
    single: int
    concatenated: int


CAPACITY: dict[SmsEncoding, SegmentCapacity] = {
    SmsEncoding.GSM_7: SegmentCapacity(single=160, concatenated=153),
    SmsEncoding.UCS_2: SegmentCapacity(single=70, concatenated=67),
}


class TemplateTooLong(ProductError):
    code = "TEXT_TOO_LONG"


@dataclass(frozen=True)
class ForcingCharacter:
    """A character GSM-7 cannot carry, everywhere it occurs."""

    character: str
    positions: tuple[int, ...]  # 0-based, in code points
    gsm_replacement: str | None  # "" for an invisible character a rewrite drops

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.character):04X}"


@dataclass(frozen=True)
class TemplateAnalysis:
    encoding: SmsEncoding
    characters: int  # code points
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segment_lengths: tuple[int, ...]  # each part's septets or code units
    ucs2_characters: tuple[ForcingCharacter, ...]  # in order of first occurrence
    gsm7_rewrite: str | None
    gsm7_rewrite_segments: int | None

    @property
    def segments(self) -> int:
        return len(self.segment_lengths)

    @property
    def segment_capacity(self) -> int:
        """What one part holds: the single-message capacity unless the text is concatenated."""
        capacity = CAPACITY[self.encoding]
        return capacity.single if self.segments == 1 else capacity.concatenated


def _utf16_units(character: str) -> int:
    return 2 if ord(character) > 0xFFFF else 1


def split_parts(widths: Sequence[int], capacity: SegmentCapacity) -> tuple[int, ...]:
    """The length of each part, `widths` being each character's units. An empty text is one
    empty part: sending it still costs a message."""
    total = sum(widths)
    if total <= capacity.single:
        return (total,)
    parts: list[int] = []
    current = 0
    for width in widths:
        if current + width > capacity.concatenated:
            parts.append(current)
            current = 0
        current += width
    parts.append(current)
    return tuple(parts)


def check_template_text(text: str) -> None:
    """Refuse a text too long to analyse, or one that is not valid Unicode."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise TemplateTooLong(
            f"The text has {len(text):,} characters; at most {MAX_TEMPLATE_LENGTH:,} are analysed."
        )
    for position, character in enumerate(text):
        # A lone half of a surrogate pair is not a character: no phone can show it.
        if 0xD800 <= ord(character) <= 0xDFFF:
            raise ProductError(
                f"The text is not valid Unicode: a lone surrogate U+{ord(character):04X} at "
                f"position {position}."
            )


def _measure(text: str) -> tuple[SmsEncoding, tuple[int, ...]]:
    gsm_widths = [septets(c) for c in text]
    if all(w is not None for w in gsm_widths):
        widths: list[int] = [w for w in gsm_widths if w is not None]
        return SmsEncoding.GSM_7, split_parts(widths, CAPACITY[SmsEncoding.GSM_7])
    units = [_utf16_units(c) for c in text]
    return SmsEncoding.UCS_2, split_parts(units, CAPACITY[SmsEncoding.UCS_2])


def _forcing_characters(text: str) -> tuple[ForcingCharacter, ...]:
    positions: dict[str, list[int]] = {}
    for position, character in enumerate(text):
        if septets(character) is None:
            positions.setdefault(character, []).append(position)
    return tuple(
        ForcingCharacter(
            character=character,
            positions=tuple(found),
            gsm_replacement=LOOK_ALIKES.get(character),
        )
        for character, found in positions.items()
    )


def analyze_template(text: str) -> TemplateAnalysis:
    """The whole analysis of `text` as an SMS; TEXT_TOO_LONG past MAX_TEMPLATE_LENGTH."""
    check_template_text(text)
    encoding, parts = _measure(text)
    forcing = _forcing_characters(text)
    rewrite: str | None = None
    rewrite_segments: int | None = None
    # A rewrite only where it reaches GSM-7: replacing some characters of a text that stays
    # UCS-2 would change the text and save nothing.
    if forcing and all(f.gsm_replacement is not None for f in forcing):
        rewrite = "".join(LOOK_ALIKES.get(c, c) for c in text)
        rewrite_segments = len(_measure(rewrite)[1])
    return TemplateAnalysis(
        encoding=encoding,
        characters=len(text),
        length=sum(parts),
        segment_lengths=parts,
        ucs2_characters=forcing,
        gsm7_rewrite=rewrite,
        gsm7_rewrite_segments=rewrite_segments,
    )


def sms_template_cost(text: str, channel: Channel) -> TemplateAnalysis:
    """`analyze_template` for a draft of `channel`: only SMS is counted in segments."""
    if channel is not Channel.SMS:
        raise ProductError(
            f"Template analysis counts SMS segments; a {channel.value} message is not split "
            "into segments. Ask with channel SMS."
        )
    return analyze_template(text)


def campaign_template_analysis(template: str | None, channel: Channel) -> TemplateAnalysis | None:
    """A stored campaign's analysis: none without a template or for another channel. A stored
    template is bounded on the way in, so this never refuses."""
    if template is None or channel is not Channel.SMS:
        return None
    return _stored_analysis(template)


# A report page asks for the same few stored templates on every request; an analysis is
# immutable, so it is computed once (up to ~5 ms for the longest text).
@lru_cache(maxsize=256)
def _stored_analysis(template: str) -> TemplateAnalysis:
    return analyze_template(template)
