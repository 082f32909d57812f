import crm


def test_version() -> None:
    assert crm.__version__.count(".") == 2
