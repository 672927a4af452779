import pytest
from django.db import connection

from accounts.models import Consent, Profile
from core.encryption import blind_index

from .factories import UserFactory
from .helpers import errors_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/profile"


def test_profile_shows_the_callers_settings(member_api, member):
    response = member_api.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "email": member.email,
        "display_name": member.profile.display_name,
        "headline": "",
        "company": "",
        "position": "",
        "industry": "",
        "timezone": "UTC",
        "phone": "",
        "coaching_style": "",
        "focus_areas": [],
        "directory_visibility": "members",
        "allow_messages_from": "members",
        "email_notifications": True,
        "in_app_notifications": True,
        "marketing_opt_in": False,
        "updated_at": response.json()["updated_at"],
    }


def test_patch_updates_only_what_is_sent(member_api, member):
    # when
    response = member_api.patch(
        URL,
        {
            "display_name": "Ada L.",
            "company": "Analytical Engines",
            "timezone": "Europe/London",
            "focus_areas": ["career", "ai_skills", "career"],
            "directory_visibility": "hidden",
            "allow_messages_from": "nobody",
            "email_notifications": False,
        },
    )

    # then
    assert response.status_code == 200
    profile = Profile.objects.get(user=member)
    assert (profile.display_name, profile.company, profile.timezone) == (
        "Ada L.",
        "Analytical Engines",
        "Europe/London",
    )
    assert profile.focus_areas == ["career", "ai_skills"]
    assert profile.directory_visibility == "hidden"
    assert profile.allow_messages_from == "nobody"
    assert profile.email_notifications is False
    assert profile.in_app_notifications is True
    assert response.json()["focus_areas"] == ["career", "ai_skills"]


def test_phone_is_encrypted_at_rest_and_found_by_blind_index(member_api, member):
    response = member_api.patch(URL, {"phone": "+44 20 7946 0958"})

    assert response.status_code == 200
    assert response.json()["phone"] == "+44 20 7946 0958"
    profile = Profile.objects.get(user=member)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM accounts_profile WHERE id = %s",
            [Profile._meta.pk.get_db_prep_value(profile.pk, connection)],
        )
        stored = cursor.fetchone()[0]
    assert stored.startswith("gAAAA")
    assert "7946" not in stored
    assert Profile.objects.get(phone_index=blind_index("+442079460958")).user == member


def test_marketing_opt_in_changes_are_recorded_as_consents(member_api, member):
    member_api.patch(URL, {"marketing_opt_in": True})
    member_api.patch(URL, {"marketing_opt_in": True})
    response = member_api.patch(URL, {"marketing_opt_in": False})

    assert response.json()["marketing_opt_in"] is False
    assert list(
        Consent.objects.filter(user=member, kind="marketing")
        .order_by("created_at")
        .values_list("granted", "source")
    ) == [(True, "profile"), (False, "profile")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"timezone": "Mars/Olympus"}, [{"code": "invalid", "attr": "timezone"}]),
        ({"focus_areas": ["juggling"]}, [{"code": "invalid_choice", "attr": "focus_areas.0"}]),
        (
            {"directory_visibility": "everyone"},
            [{"code": "invalid_choice", "attr": "directory_visibility"}],
        ),
        (
            {"allow_messages_from": "aliens"},
            [{"code": "invalid_choice", "attr": "allow_messages_from"}],
        ),
        ({"coaching_style": "yelling"}, [{"code": "invalid_choice", "attr": "coaching_style"}]),
        ({"display_name": "x" * 81}, [{"code": "max_length", "attr": "display_name"}]),
        ({"phone": "call me maybe"}, [{"code": "invalid", "attr": "phone"}]),
        (
            {"email_notifications": "sometimes"},
            [{"code": "invalid", "attr": "email_notifications"}],
        ),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(member_api, member, body, expected):
    before = Profile.objects.filter(user=member).values().get()

    response = member_api.patch(URL, body)

    assert response.status_code == 400
    assert errors_of(response) == expected
    assert Profile.objects.filter(user=member).values().get() == before


def test_email_is_read_only(member_api, member):
    member_api.patch(URL, {"email": "hijack@example.com"})

    member.refresh_from_db()
    assert member.email != "hijack@example.com"


CARD = {
    "display_name": "Ada L.",
    "headline": "Engines and poetry",
    "company": "Analytical Engines",
    "position": "Founder",
    "industry": "Computing",
}


def test_put_replaces_the_profile(member_api, member):
    # given
    body = {
        **CARD,
        "timezone": "Europe/London",
        "phone": "+44 20 7946 0958",
        "coaching_style": "direct",
        "focus_areas": ["career", "leadership"],
        "directory_visibility": "hidden",
        "allow_messages_from": "nobody",
        "email_notifications": False,
        "in_app_notifications": False,
        "marketing_opt_in": True,
    }

    # when
    response = member_api.put(URL, body, format="json")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "email": member.email,
        **body,
        "updated_at": response.json()["updated_at"],
    }
    stored = Profile.objects.filter(user=member).values(*Profile.MEMBER_FIELDS).get()
    assert stored == {key: value for key, value in body.items() if key != "marketing_opt_in"}
    assert list(Consent.objects.filter(user=member, kind="marketing").values_list("granted")) == [
        (True,)
    ]


def test_put_resets_what_the_member_shows_and_keeps_the_settings_left_out(member_api, member):
    # given
    member_api.patch(
        URL,
        {
            "phone": "+44 20 7946 0958",
            "coaching_style": "direct",
            "focus_areas": ["career"],
            "timezone": "Europe/London",
            "directory_visibility": "hidden",
            "allow_messages_from": "nobody",
            "email_notifications": False,
            "marketing_opt_in": True,
        },
        format="json",
    )

    # when
    response = member_api.put(URL, CARD, format="json")

    # then
    assert response.status_code == 200
    profile = Profile.objects.get(user=member)
    assert (profile.phone, profile.phone_index, profile.coaching_style, profile.focus_areas) == (
        "",
        "",
        "",
        [],
    )
    assert (
        profile.timezone,
        profile.directory_visibility,
        profile.allow_messages_from,
        profile.email_notifications,
    ) == ("Europe/London", "hidden", "nobody", False)
    assert response.json()["marketing_opt_in"] is True
    assert Consent.objects.filter(user=member, kind="marketing").count() == 1


def test_what_get_answers_can_be_put_back_unchanged(member_api, member):
    # given
    member_api.patch(URL, {**CARD, "focus_areas": ["career"]}, format="json")
    before = member_api.get(URL).json()

    # when
    response = member_api.put(URL, before, format="json")

    # then
    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_put_needs_the_card(member_api, member):
    before = Profile.objects.filter(user=member).values().get()

    response = member_api.put(URL, {"timezone": "Europe/London"}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "required", "attr": name} for name in CARD]
    assert Profile.objects.filter(user=member).values().get() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"timezone": "Mars/Olympus"}, [{"code": "invalid", "attr": "timezone"}]),
        ({"display_name": "x" * 81}, [{"code": "max_length", "attr": "display_name"}]),
        ({"display_name": None}, [{"code": "null", "attr": "display_name"}]),
        ({"focus_areas": "career"}, [{"code": "not_a_list", "attr": "focus_areas"}]),
        ({"phone": "call me maybe"}, [{"code": "invalid", "attr": "phone"}]),
    ],
)
def test_put_bad_input_names_the_field_and_changes_nothing(member_api, member, body, expected):
    before = Profile.objects.filter(user=member).values().get()

    response = member_api.put(URL, {**CARD, **body}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == expected
    assert Profile.objects.filter(user=member).values().get() == before


def test_profile_requires_authentication(api):
    assert api.get(URL).status_code == 401
    assert api.patch(URL, {"display_name": "x"}).status_code == 401
    assert api.put(URL, CARD).status_code == 401


def test_profile_takes_constant_queries(member_api, django_assert_num_queries):
    # then: the user, the profile with its marketing choice
    with django_assert_num_queries(2):
        response = member_api.get(URL)
    assert response.status_code == 200


def test_consents_list_only_the_callers_rows_in_constant_queries(
    member_api, member, django_assert_num_queries
):
    # given
    other = UserFactory()
    Consent.objects.create(user=other, kind="terms", version="v1", granted=True)
    Consent.objects.create(user=member, kind="terms", version="v1", granted=True)
    with django_assert_num_queries(2):
        small = member_api.get("/api/v1/me/consents")
    for n in range(30):
        Consent.objects.create(user=member, kind="marketing", granted=bool(n % 2))

    # when
    with django_assert_num_queries(2):
        response = member_api.get("/api/v1/me/consents?page_size=100")

    # then
    assert small.status_code == 200
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert len(body["results"]) == 31
    assert set(body["results"][0]) == {"id", "kind", "version", "granted", "source", "created_at"}


def test_consents_require_authentication(api):
    assert api.get("/api/v1/me/consents").status_code == 401
