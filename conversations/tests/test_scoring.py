"""The server's scoring of the grader's answer (conversations.scoring): pure functions."""

import pytest

from conversations import scoring

TRANSCRIPT = [
    {"ref": "p1", "role": "partner", "content": "Oh, hi! Was I in your way?", "message_id": "m-p1"},
    {
        "ref": "u1",
        "role": "member",
        "content": "Not at all!  I was just wondering\nwhat you're reading.",
        "message_id": "m-u1",
    },
    {"ref": "p2", "role": "partner", "content": "A mystery set in Lisbon.", "message_id": "m-p2"},
    {
        "ref": "u2",
        "role": "member",
        "content": "Lisbon! I got lost in Alfama for hours last spring.",
        "message_id": "m-u2",
    },
]


def dimension(key, score, *evidence, rationale="Because."):
    return {
        "key": key,
        "score": score,
        "rationale": rationale,
        "evidence": [
            {"message": ref, "quote": quote, "effect": "positive"} for ref, quote in evidence
        ],
    }


def report(**scores):
    """A report scoring every dimension (default 70) with one verified quote each."""
    dimensions = []
    for key in scoring.DIMENSIONS:
        score = scores.get(key, 70)
        dimensions.append(dimension(key, score, ("u1", "what you're reading")))
    return {
        "dimensions": dimensions,
        "strengths": ["Friendly."],
        "improvements": [],
        "key_moments": [],
        "summary": "Good.",
    }


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, "Exceptional"),
        (90, "Exceptional"),
        (89, "Excellent"),
        (80, "Excellent"),
        (79, "Good"),
        (70, "Good"),
        (69, "Developing"),
        (60, "Developing"),
        (59, "Needs practice"),
        (50, "Needs practice"),
        (49, "Learning mode"),
        (0, "Learning mode"),
        (None, None),
    ],
)
def test_band_thresholds(score, band):
    # given / when / then
    assert scoring.band_for(score) == band


def test_weights_of_each_difficulty_sum_to_one_hundred():
    # given the rubric's weights
    # when they are summed per difficulty
    sums = {
        difficulty: sum(weight or 0 for weight in weights.values())
        for difficulty, weights in scoring.WEIGHTS.items()
    }
    # then each difficulty weighs 100 in all
    assert sums == {"green": 100, "yellow": 100, "red": 100}


def test_overall_is_the_weighted_mean_per_difficulty():
    # given the same scores graded at two difficulties
    scores = {
        "opening_context": 100,
        "active_listening": 50,
        "emotional_intelligence": 50,
        "momentum": 50,
        "self_disclosure": 50,
        "boundary_respect": 50,
        "playful_flirtation": 100,
    }
    # when the overall score is computed
    red, red_capped = scoring.overall_score(scores, "red")
    yellow, _ = scoring.overall_score(scores, "yellow")
    # then the weights decide: red (10, 15) and yellow (15, 5) for the two 100s
    # ((100 * 10 + 50 * 75 + 100 * 15) / 100 = 62.5, rounded half up)
    assert red == 63
    # (100 * 15 + 50 * 80 + 100 * 5) / 100
    assert yellow == 60
    assert red_capped is False


def test_overall_leaves_out_null_dimensions():
    # given green, where playful_flirtation weighs nothing, and a null self_disclosure
    scores = {key: 80 for key in scoring.DIMENSIONS}
    scores["self_disclosure"] = None
    scores["playful_flirtation"] = 0
    # when the overall score is computed
    overall, _ = scoring.overall_score(scores, "green")
    # then only the scored, weighted dimensions count
    assert overall == 80


def test_low_boundary_respect_caps_the_overall_and_the_xp_bonus():
    # given excellent scores but boundary respect at 40
    scores = {key: 95 for key in scoring.DIMENSIONS}
    scores["boundary_respect"] = 40
    # when the overall score is computed
    overall, capped = scoring.overall_score(scores, "yellow")
    # then it is capped at 49 and earns the base XP only
    assert (overall, capped) == (49, True)
    assert scoring.xp_for(overall, capped=capped) == scoring.XP_BASE
    assert scoring.xp_for(87, capped=False) == scoring.XP_BASE + 8


def test_boundary_respect_at_fifty_is_not_capped():
    # given boundary respect exactly at the threshold
    scores = {key: 90 for key in scoring.DIMENSIONS}
    scores["boundary_respect"] = 50
    # when / then
    overall, capped = scoring.overall_score(scores, "red")
    assert capped is False
    assert overall > 49


def test_quote_matching_ignores_case_whitespace_and_wrapping_marks():
    # given a member line with a double space and a line break
    content = "Not at all!  I was just wondering\nwhat you're reading."
    # when / then
    assert scoring.quote_in("I was just wondering what you're reading", content)
    assert scoring.quote_in("“NOT AT ALL!”", content)
    assert scoring.quote_in("...just wondering…", content)
    assert not scoring.quote_in("I was wondering what you read", content)
    assert not scoring.quote_in("   ", content)


def test_evidence_must_be_verbatim_from_that_member_line():
    # given evidence that is fabricated, from a partner line, from another member line,
    # and one real quote
    graded = report()
    graded["dimensions"][1] = dimension(
        "active_listening",
        80,
        ("u1", "I love mysteries"),
        ("p2", "A mystery set in Lisbon"),
        ("u1", "got lost in Alfama"),
        ("u2", "got lost in   alfama"),
    )
    # when the server scores it
    scored = scoring.score_report(
        graded, transcript=TRANSCRIPT, difficulty="yellow", target="romantic"
    )
    # then only the real quote of u2 is kept, mapped to its message id
    listening = scored.dimensions["active_listening"]
    assert listening["evidence"] == [
        {"message_id": "m-u2", "quote": "got lost in   alfama", "effect": "positive"}
    ]
    assert listening["score"] == 80
    assert listening["low_confidence"] is False
    assert scored.dropped_evidence == 3


def test_a_dimension_without_verified_evidence_is_clamped_and_low_confidence():
    # given a 95 whose only evidence is a partner line
    graded = report()
    graded["dimensions"][2] = dimension("emotional_intelligence", 95, ("p1", "Was I in your way"))
    # when the server scores it
    scored = scoring.score_report(graded, transcript=TRANSCRIPT, difficulty="red", target="social")
    # then it counts as 60, low confidence, band from the clamped score
    emotional = scored.dimensions["emotional_intelligence"]
    assert emotional["score"] == scoring.LOW_CONFIDENCE_CAP
    assert emotional["low_confidence"] is True
    assert emotional["band"] == "Developing"
    assert emotional["evidence"] == []


def test_playful_flirtation_is_null_on_green_and_off_romantic_scenarios():
    # given a report that scores playful_flirtation 90
    graded = report(playful_flirtation=90)
    # when scored on green (romantic), on red (social) and on red (romantic)
    green = scoring.score_report(
        graded, transcript=TRANSCRIPT, difficulty="green", target="romantic"
    )
    social = scoring.score_report(graded, transcript=TRANSCRIPT, difficulty="red", target="social")
    romantic = scoring.score_report(
        graded, transcript=TRANSCRIPT, difficulty="red", target="romantic"
    )
    # then only the last one scores it
    assert green.dimensions["playful_flirtation"] == {
        "score": None,
        "band": None,
        "rationale": "",
        "evidence": [],
        "low_confidence": False,
    }
    assert social.dimensions["playful_flirtation"]["score"] is None
    assert romantic.dimensions["playful_flirtation"]["score"] == 90
    assert green.overall == 70
    assert romantic.overall == 73  # (70 * 85 + 90 * 15) / 100


def test_improvements_keep_only_verified_quotes_and_key_moments_known_lines():
    # given an improvement quoting a fabricated line and key moments naming lines
    graded = report()
    graded["improvements"] = [
        {
            "dimension": "momentum",
            "tip": "Ask more.",
            "evidence": "I hate books",
            "try_instead": "What else do you like?",
        },
        {
            "dimension": "self_disclosure",
            "tip": "Share more.",
            "evidence": '"Lisbon!"',
            "try_instead": "I once...",
        },
    ]
    graded["key_moments"] = [
        {"message": "u2", "note": "Shared a story."},
        {"message": "u9", "note": "Not in the transcript."},
    ]
    # when the server scores it
    scored = scoring.score_report(graded, transcript=TRANSCRIPT, difficulty="green", target=None)
    # then the fabricated quote is gone and the unknown line is dropped
    assert [item["evidence"] for item in scored.improvements] == [None, "Lisbon!"]
    assert scored.key_moments == [{"message_id": "m-u2", "note": "Shared a story."}]


def test_a_report_with_nothing_scored_has_no_overall_and_no_xp():
    # given every dimension null
    graded = report(**{key: None for key in scoring.DIMENSIONS})
    # when the server scores it
    scored = scoring.score_report(
        graded, transcript=TRANSCRIPT, difficulty="red", target="romantic"
    )
    # then there is no overall, no band and no XP
    assert (scored.overall, scored.band, scored.xp) == (None, "", 0)


def test_every_dimension_feeds_an_onboarding_skill():
    # given the onboarding skill vocabulary
    from accounts.choices import Skill

    # when / then every mapped skill is one of it
    assert set(scoring.SKILL_OF_DIMENSION) == set(scoring.DIMENSIONS)
    assert set(scoring.SKILLS) <= set(Skill.values)
