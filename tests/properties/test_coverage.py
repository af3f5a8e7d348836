"""Every built-in loss has a valid-input spec, so no loss escapes the property tests."""

import anyloss as al
from tests.properties.families import CLASS_OF, SPECS


def test_every_function_has_a_spec():
    assert set(SPECS) == set(al.losses.FUNCTIONS)


def test_every_class_is_covered_through_its_function():
    assert {cls.__name__ for cls in CLASS_OF.values()} == set(al.losses.CLASSES)
    assert set(CLASS_OF) == set(SPECS)
