"""The five practice scenarios the product launches with; staff edit them in the admin
afterwards. Reversing removes only these slugs."""

from django.db import migrations

SCENARIOS = [
    {
        "slug": "coffee-shop",
        "title": "Coffee shop conversation",
        "setting": "coffee_shop",
        "target": "romantic",
        "premium": False,
        "order": 10,
        "description": "A busy neighbourhood café on a weekday morning. Someone at the next "
        "table is reading with a flat white going cold beside them.",
        "tips": {
            "green": [
                "Comment on something you share right now: the queue, the music, the pastries.",
                "Smile and keep the first line short; let them decide to say more.",
            ],
            "yellow": [
                "They are mid-task: acknowledge it (\"Sorry to interrupt...\") before asking.",
                "Ask one easy question and give them room to end it politely.",
                "If the answer is short, share something about yourself before asking again.",
            ],
            "red": [
                "Read the signals first: headphones in and eyes down usually mean not now.",
                "Offer something light, like a recommendation, rather than a question.",
                "Accept a brief reply gracefully; a kind exit leaves a good impression.",
            ],
        },
    },
    {
        "slug": "bookstore",
        "title": "Bookstore browsing",
        "setting": "bookstore",
        "target": "social",
        "premium": False,
        "order": 20,
        "description": "A quiet independent bookstore on a Saturday afternoon. Another "
        "browser keeps returning to the same shelf you are looking at.",
        "tips": {
            "green": [
                "Books are an easy opener: ask what they would recommend from this shelf.",
                "Follow their answer with a real question about why they liked it.",
            ],
            "yellow": [
                "Keep your voice low and your question specific to the book in their hand.",
                "Mention a book you enjoyed to give the conversation something to build on.",
            ],
            "red": [
                "People come here for quiet: one light comment, then let them respond or not.",
                "Don't block the aisle; give them space to step away.",
                "If they engage, match their pace rather than speeding up.",
            ],
        },
    },
    {
        "slug": "park",
        "title": "A walk in the park",
        "setting": "park",
        "target": "social",
        "premium": False,
        "order": 30,
        "description": "A sunny afternoon in a city park. A dog walker pauses near the "
        "bench where you are sitting while their dog sniffs around.",
        "tips": {
            "green": [
                "Dogs, weather and the view are natural, low-pressure openers.",
                "Ask the dog's name; people love talking about their pets.",
            ],
            "yellow": [
                "They may be on a schedule: keep it brief and easy to leave.",
                "Notice something specific, like the breed or a trick, to show genuine interest.",
            ],
            "red": [
                "Stay seated and keep a relaxed distance so you don't feel like an interruption.",
                "One friendly remark is enough; let them choose to continue.",
            ],
        },
    },
    {
        "slug": "gym",
        "title": "Between sets at the gym",
        "setting": "gym",
        "target": "social",
        "premium": False,
        "order": 40,
        "description": "An evening at a busy gym. Someone is waiting for the rack you are "
        "about to finish with.",
        "tips": {
            "green": [
                "Practical questions work best: sharing equipment, asking about a machine.",
                "Keep it short; people are here to train.",
            ],
            "yellow": [
                "Wait for a natural pause between sets, never mid-lift.",
                "Ask about their routine only after a friendly practical exchange.",
            ],
            "red": [
                "Headphones in and focused means not now: a nod and a smile is plenty.",
                "Never comment on someone's body; talk about the training, not the person.",
                "If they keep answers short, thank them and get back to your workout.",
            ],
        },
    },
    {
        "slug": "museum",
        "title": "Art museum encounter",
        "setting": "museum",
        "target": "romantic",
        "premium": True,
        "order": 50,
        "description": "A contemporary art museum on a late-opening evening. Someone has "
        "been standing in front of the same painting for a while, clearly thinking about it.",
        "tips": {
            "green": [
                "Ask what they see in the piece; art invites opinions.",
                "Share your own honest reaction, even if it's \"I don't get it\".",
            ],
            "yellow": [
                "Let them finish looking before you speak.",
                "Ask an open question about the work rather than about them.",
                "Suggest the next room or exhibition only if the conversation flows.",
            ],
            "red": [
                "They came to think: keep your voice low and your comment brief.",
                "Show curiosity, not expertise; don't lecture about the artist.",
                "If they answer briefly and turn back to the art, let it be.",
            ],
        },
    },
]


def seed(apps, schema_editor):
    Scenario = apps.get_model("conversations", "Scenario")
    for row in SCENARIOS:
        Scenario.objects.update_or_create(slug=row["slug"], defaults=row)


def unseed(apps, schema_editor):
    Scenario = apps.get_model("conversations", "Scenario")
    Scenario.objects.filter(slug__in=[row["slug"] for row in SCENARIOS]).delete()


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
