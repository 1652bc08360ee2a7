"""The hub's built-in catalogue names the games and movements the other rooms really have."""

from __future__ import annotations

from smarttouch.games.sdk.registry import game_info, game_keys, get_game
from smarttouch.platform.i18n.language import LANGUAGES
from smarttouch.platform.i18n.vocab import MOVEMENTS
from smarttouch.platform.services.clinic.catalogue import builtin_activities
from smarttouch.sensors.simulator import MOVEMENTS as SIMULATED_MOVEMENTS


def test_every_builtin_game_is_in_the_hub_catalogue() -> None:
    assert sorted(a.key for a in builtin_activities()) == game_keys()


def test_catalogue_movements_match_each_game() -> None:
    for activity in builtin_activities():
        info = get_game(activity.key).info
        assert activity.movements == tuple(info.movements), activity.key


def test_hub_movement_names_are_the_simulator_and_scoring_names() -> None:
    assert set(MOVEMENTS) == set(SIMULATED_MOVEMENTS)


def test_every_builtin_game_names_itself_in_every_hub_language() -> None:
    """The hub shows a game's catalogue title from its GameInfo, in the page's language: a
    built-in game carries one for each language the hub speaks (no list to keep in the hub)."""
    for activity in builtin_activities():
        info = game_info(activity.key)
        assert set(info.catalogue_titles) >= set(LANGUAGES), activity.key
        assert all(info.catalogue_title_in(lang).strip() for lang in LANGUAGES), activity.key
        assert set(info.title) >= set(LANGUAGES), activity.key


def test_game_info_carries_everything_the_catalogue_shows() -> None:
    """The hub's catalogue can be built from the games' own GameInfo (title, text, movements)."""
    for activity in builtin_activities():
        info = game_info(activity.key)
        shown = (info.title_for_catalogue(), info.description, tuple(info.movements), "game")
        assert shown == (activity.title, activity.description, activity.movements, activity.kind)
