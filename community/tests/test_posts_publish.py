"""Posts: publishing (POST /community/posts), and the throttle on a member's writes."""

import pytest

from accounts.tests.helpers import errors_of
from analytics.models import Event
from community.models import Post

from .factories import PostFactory
from .posts_helpers import MARKUP, POSTS, post_url, shape

pytestmark = pytest.mark.django_db


def test_a_member_publishes_a_post(member_api, member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(POSTS, {"title": "  Hello  ", "content": "\n First post \n"})

    # then
    assert response.status_code == 201
    post = Post.objects.get()
    assert (post.author, post.title, post.content) == (member, "Hello", "First post")
    assert response.json() == shape(post, can_edit=True)
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("post_created", member.pk, {"post_id": str(post.pk)})
    ]


def test_a_title_is_optional(member_api):
    response = member_api.post(POSTS, {"content": "No title"})

    assert response.status_code == 201
    assert response.json()["title"] == ""
    assert Post.objects.get().title == ""


def test_text_is_stored_and_served_exactly_as_typed(member_api):
    # when
    created = member_api.post(POSTS, {"title": "<i>x</i>", "content": MARKUP})
    listed = member_api.get(POSTS)

    # then
    assert created.status_code == 201
    assert Post.objects.get().content == MARKUP
    assert Post.objects.get().title == "<i>x</i>"
    assert created.json()["content"] == MARKUP
    assert listed.json()["results"][0]["content"] == MARKUP
    assert listed.json()["results"][0]["title"] == "<i>x</i>"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"code": "required", "attr": "content"}]),
        ({"content": " \n\t "}, [{"code": "blank", "attr": "content"}]),
        ({"content": None}, [{"code": "null", "attr": "content"}]),
        ({"content": "x" * 5001}, [{"code": "max_length", "attr": "content"}]),
        ({"content": "a\x00b"}, [{"code": "null_characters_not_allowed", "attr": "content"}]),
        (
            {"title": "t" * 201, "content": ""},
            [{"code": "max_length", "attr": "title"}, {"code": "blank", "attr": "content"}],
        ),
    ],
)
def test_bad_posts_are_a_400_naming_each_field(member_api, body, errors):
    response = member_api.post(POSTS, body)

    assert response.status_code == 400
    assert errors_of(response) == errors
    assert not Post.objects.exists()


def test_the_longest_post_is_accepted(member_api):
    response = member_api.post(POSTS, {"title": "t" * 200, "content": "x" * 5000})

    assert response.status_code == 201


def test_publishing_needs_authentication(api):
    assert api.post(POSTS, {"content": "Hi"}).status_code == 401
    assert not Post.objects.exists()


# --- throttling ---------------------------------------------------------------------------


def test_writes_are_throttled_per_member(member_api, other_api, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "community_write": "2/min",
        },
    }
    post = PostFactory()
    assert member_api.post(POSTS, {"content": "one"}).status_code == 201
    assert member_api.post(f"{post_url(post)}/like").status_code == 201

    # when
    throttled = member_api.post(f"{post_url(post)}/comments", {"content": "three"})

    # then
    assert throttled.status_code == 429
    assert errors_of(throttled) == [{"code": "throttled", "attr": None}]
    assert int(throttled["Retry-After"]) > 0
    assert member_api.get(POSTS).status_code == 200
    assert other_api.post(POSTS, {"content": "another member"}).status_code == 201
    assert Post.objects.count() == 3
