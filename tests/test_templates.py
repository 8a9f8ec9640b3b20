"""The SMS template analysis (3GPP TS 23.038): encoding, segments at every boundary, the
characters that force UCS-2 and the GSM-7 rewrite."""

from __future__ import annotations

import pytest

from backend import demo
from backend.costs.gsm_alphabet import BASIC, EXTENSION, LOOK_ALIKES, septets
from backend.costs.templates import (
    MAX_TEMPLATE_LENGTH,
    SmsEncoding,
    TemplateTooLong,
    analyze_template,
    campaign_template_analysis,
    sms_template_cost,
)
from backend.enums import Channel
from backend.errors import ProductError

GSM_7, UCS_2 = SmsEncoding.GSM_7, SmsEncoding.UCS_2
EMOJI = "\U0001f600"  # 😀, beyond U+FFFF: two UTF-16 code units
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
EN_DASH = "\N{EN DASH}"


@pytest.mark.parametrize(
    ("text", "encoding", "length", "parts"),
    [
        ("", GSM_7, 0, (0,)),  # an empty SMS is still one message when sent
        ("a" * 160, GSM_7, 160, (160,)),
        ("a" * 161, GSM_7, 161, (153, 8)),
        ("a" * 306, GSM_7, 306, (153, 153)),
        ("a" * 307, GSM_7, 307, (153, 153, 1)),
        ("a" * 154, GSM_7, 154, (154,)),  # 153 applies only once the text needs parts
        ("ä" * 160, GSM_7, 160, (160,)),  # in the default alphabet: one septet each
        # extension characters count two septets each
        ("€" * 80, GSM_7, 160, (160,)),
        ("€" * 80 + "a", GSM_7, 161, (152, 9)),
        ("a" * 159 + "[", GSM_7, 161, (153, 8)),
        # a pair at septets 153-154 moves whole to the next part
        ("a" * 152 + "{" + "a" * 10, GSM_7, 164, (152, 12)),
        ("a" * 151 + "}" + "a" * 10, GSM_7, 163, (153, 10)),
        ("ж" * 70, UCS_2, 70, (70,)),
        ("ж" * 71, UCS_2, 71, (67, 4)),
        ("ж" * 134, UCS_2, 134, (67, 67)),
        ("ж" * 135, UCS_2, 135, (67, 67, 1)),
        # an emoji counts two code units and is never split across parts
        (EMOJI * 35, UCS_2, 70, (70,)),
        (EMOJI + "ж" * 69, UCS_2, 71, (67, 4)),
        ("ж" * 66 + EMOJI + "ж" * 5, UCS_2, 73, (66, 7)),
        ("ж" * 65 + EMOJI + "ж" * 5, UCS_2, 72, (67, 5)),
    ],
)
def test_encoding_and_segments(
    text: str, encoding: SmsEncoding, length: int, parts: tuple[int, ...]
) -> None:
    analysis = analyze_template(text)
    assert analysis.encoding == encoding
    assert analysis.length == length
    assert analysis.segment_lengths == parts
    assert analysis.segments == len(parts)
    single, concatenated = (160, 153) if encoding == GSM_7 else (70, 67)
    assert analysis.segment_capacity == (single if len(parts) == 1 else concatenated)
    assert all(part <= analysis.segment_capacity for part in parts)


def test_the_extension_table_is_the_specifications() -> None:
    assert {"€", "[", "]", "{", "}", "^", "~", "\\", "|", "\f"} == EXTENSION
    assert len(BASIC) == 127  # 128 codes, less the escape to the extension table
    assert "\x1b" not in BASIC
    assert [septets(c) for c in f"a€{APOSTROPHE}"] == [1, 2, None]


def test_every_look_alike_is_gsm_7_and_replaces_a_character_that_is_not() -> None:
    for character, replacement in LOOK_ALIKES.items():
        assert septets(character) is None, character
        assert all(septets(c) is not None for c in replacement), character


def test_a_curly_apostrophe_makes_a_short_text_three_ucs2_segments_and_the_rewrite_one() -> None:
    text = f"Hi Asha, it{APOSTROPHE}s your birthday month! " + "x" * 115
    assert len(text) == 150
    analysis = analyze_template(text)
    assert (analysis.encoding, analysis.segments, analysis.segment_lengths) == (
        UCS_2,
        3,
        (67, 67, 16),
    )
    [apostrophe] = analysis.ucs2_characters
    assert (apostrophe.character, apostrophe.code_point, apostrophe.positions) == (
        APOSTROPHE,
        "U+2019",
        (11,),
    )
    assert apostrophe.gsm_replacement == "'"
    assert analysis.gsm7_rewrite == text.replace(APOSTROPHE, "'")
    assert analysis.gsm7_rewrite_segments == 1


def test_positions_are_code_points_after_an_emoji() -> None:
    analysis = analyze_template(f"{EMOJI} Spa day — “relax”…{EMOJI}")
    found = {c.character: (c.code_point, c.positions) for c in analysis.ucs2_characters}
    assert found == {
        EMOJI: ("U+1F600", (0, 20)),
        "—": ("U+2014", (10,)),
        "“": ("U+201C", (12,)),
        "”": ("U+201D", (18,)),
        "…": ("U+2026", (19,)),
    }
    assert list(found) == [EMOJI, "—", "“", "”", "…"]  # in order of first occurrence
    assert analysis.characters == 21
    assert analysis.length == 23  # two emoji of two code units each


def test_no_rewrite_when_a_character_has_no_look_alike() -> None:
    analysis = analyze_template(f"Glow {EN_DASH} up {EMOJI}")
    assert analysis.encoding == UCS_2
    dash = next(c for c in analysis.ucs2_characters if c.character == EN_DASH)
    assert dash.gsm_replacement == "-"
    emoji = next(c for c in analysis.ucs2_characters if c.character == EMOJI)
    assert emoji.gsm_replacement is None
    assert analysis.gsm7_rewrite is None
    assert analysis.gsm7_rewrite_segments is None


def test_no_rewrite_for_a_text_already_in_gsm_7() -> None:
    analysis = analyze_template("Your {spa} day: 20% off [today] ~ €5")
    assert analysis.encoding == GSM_7
    assert analysis.ucs2_characters == ()
    assert analysis.gsm7_rewrite is None


def test_the_rewrite_expands_an_ellipsis_and_drops_invisible_characters() -> None:
    analysis = analyze_template("Wait\u2026\u00a0book\u200bnow")
    assert analysis.gsm7_rewrite == "Wait... booknow"
    assert analysis.gsm7_rewrite_segments == 1
    zero_width = next(c for c in analysis.ucs2_characters if c.code_point == "U+200B")
    assert zero_width.gsm_replacement == ""


def test_the_rewrite_may_take_more_septets_than_the_original_takes_characters() -> None:
    # 160 ellipses: UCS-2, 160 code units in 3 parts; rewritten, 480 septets in 4 parts.
    analysis = analyze_template("…" * 160)
    assert (analysis.segments, analysis.gsm7_rewrite_segments) == (3, 4)


def test_a_text_at_the_limit_is_analysed_and_one_past_it_is_refused() -> None:
    assert analyze_template("a" * MAX_TEMPLATE_LENGTH).segments == 66
    with pytest.raises(TemplateTooLong) as refused:
        analyze_template("a" * (MAX_TEMPLATE_LENGTH + 1))
    assert refused.value.code == "TEXT_TOO_LONG"
    # Counted in characters, whatever they are: a long run of emoji is refused just the same.
    with pytest.raises(TemplateTooLong):
        analyze_template(EMOJI * (MAX_TEMPLATE_LENGTH + 1))


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ProductError) as refused:
        analyze_template("broken \ud83d text")
    assert refused.value.code == "BAD_USER_INPUT"
    assert "position 7" in str(refused.value)


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.EMAIL])
def test_only_sms_is_counted_in_segments(channel: Channel) -> None:
    with pytest.raises(ProductError) as refused:
        sms_template_cost("Hello", channel)
    assert refused.value.code == "BAD_USER_INPUT"
    assert sms_template_cost("Hello", Channel.SMS).segments == 1


def test_a_campaign_has_an_analysis_only_with_an_sms_template() -> None:
    assert campaign_template_analysis(None, Channel.SMS) is None
    assert campaign_template_analysis("Hello", Channel.WHATSAPP) is None
    analysis = campaign_template_analysis("Hello", Channel.SMS)
    assert analysis is not None
    assert analysis.segments == 1


def test_the_demo_shows_a_rewrite_that_saves_segments_and_a_long_gsm_7_text() -> None:
    templates = {c["id"]: c.get("template") for c in demo.hierarchy_document()["campaigns"]}
    birthday = analyze_template(templates["cmp-birthday"])
    assert birthday.encoding == UCS_2
    assert [c.code_point for c in birthday.ucs2_characters] == ["U+2019"]
    assert birthday.gsm7_rewrite_segments is not None
    assert birthday.gsm7_rewrite_segments < birthday.segments
    new_year = analyze_template(templates["cmp-newyear"])
    assert new_year.encoding == GSM_7
    assert new_year.segments > 1
    assert any(c in EXTENSION for c in templates["cmp-newyear"])
    # Email campaigns have no template; every SMS and WhatsApp campaign has one.
    channels = {c["id"]: c["channel"] for c in demo.hierarchy_document()["campaigns"]}
    assert {i for i, t in templates.items() if t is not None} == {
        i for i, channel in channels.items() if channel != "EMAIL"
    }
