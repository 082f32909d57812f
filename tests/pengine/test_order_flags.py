"""The plain-int mirror of the ordering flags used on hot paths stays equal to the enum."""

from pengine.working import O, Order


def test_plain_int_flags_mirror_the_enum() -> None:
    mirrored = {name: value for name, value in vars(O).items() if name.isupper()}
    assert mirrored == {name: flag.value for name, flag in Order.__members__.items()}
