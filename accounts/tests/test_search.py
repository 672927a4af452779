import importlib

from accounts import search

frozen = importlib.import_module("accounts.migrations.0003_profile_search_index")


def test_the_migrations_index_is_the_searchs_own_expression():
    # given: the GIN index that migration 0003 froze, and the expression searches use today
    index = frozen.INDEX

    # when: the search's expression on the profile itself, as the index is
    expression = search.search_vector()

    # then: equal, so PostgreSQL's planner can use the index (a change to the search needs
    # a new migration that rebuilds the index, and this test pointed at it)
    assert index.name == search.INDEX_NAME
    assert list(index.expressions) == [expression]
