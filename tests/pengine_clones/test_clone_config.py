"""Clone meta attributes -> CloneConfig."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pengine.clones.config import is_true, parse_count, unpack_clone_config


def test_defaults_follow_node_count() -> None:
    config = unpack_clone_config("c", "p", {}, node_count=4).config
    assert config.clone_max == 4
    assert config.clone_node_max == 1
    assert config.instance_ids == ("p:0", "p:1", "p:2", "p:3")
    assert not config.promotable
    assert config.promoted_max == 0
    assert config.graph_meta() == {
        "clone_max": "4", "clone_node_max": "1", "globally_unique": "false", "notify": "false",
    }


def test_legacy_master_and_promoted_max_aliases() -> None:
    config = unpack_clone_config(
        "ms", "p", {"master-max": "2", "master-node-max": "1", "clone-max": "3"},
        node_count=5, legacy_master=True,
    ).config
    assert config.promotable
    assert config.promoted_max == 2
    assert config.graph_meta()["promoted_max"] == "2"
    assert config.graph_meta()["master_max"] == "2"
    assert config.clone_max == 3


def test_anonymous_clone_ignores_clone_node_max() -> None:
    unpacked = unpack_clone_config("c", "p", {"clone-node-max": "3"}, node_count=2)
    assert unpacked.config.clone_node_max == 1
    assert any("clone-node-max" in m for m in unpacked.messages)
    unique = unpack_clone_config("c", "p", {"clone-node-max": "3", "globally-unique": "true"},
                                 node_count=2)
    assert unique.config.clone_node_max == 3
    assert unique.messages == ()


def test_lsb_child_forces_anonymous() -> None:
    unpacked = unpack_clone_config("c", "p", {"globally-unique": "true"}, node_count=2,
                                   child_classes=frozenset({"lsb"}))
    assert not unpacked.config.globally_unique
    assert unpacked.messages


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_parse_count_never_negative(value: int) -> None:
    assert parse_count(str(value), 7) == max(0, value)


@given(st.text(alphabet="abcxyz ", min_size=0, max_size=5))
def test_parse_count_invalid_gives_default(text: str) -> None:
    assert parse_count(text, 7) == 7


def test_is_true_words() -> None:
    for word in ("true", "TRUE", "on", "yes", "y", "1"):
        assert is_true(word)
    for other in ("false", "off", "0", "no", "", None):
        assert not is_true(other)


def test_forced_anonymous_clone_has_at_most_one_instance_per_node() -> None:
    unpacked = unpack_clone_config("c", "p", {"globally-unique": "true", "clone-max": "5"}, node_count=3,
                                   child_classes=frozenset({"lsb"}))
    assert unpacked.config.clone_max == 3
    plain = unpack_clone_config("c", "p", {"clone-max": "5"}, node_count=3)
    assert plain.config.clone_max == 5
