"""check_fit_data: a DataFrame's text columns are named in the error (not pandas' message
about a value), numbers written as text are accepted."""
import numpy as np
import pandas as pd
import pytest

from eqlearn import EquationRegressor
from eqlearn.inputs import DataWarning, check_fit_data, non_numeric_columns


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"mass": rng.uniform(1, 2, 8), "city": list("ABCDEFGH"),
                         "speed": rng.uniform(1, 2, 8)})


def test_a_text_column_is_named(frame):
    with pytest.raises(ValueError, match=r"non-numeric column: 'city' \(e\.g\. 'A'\)"):
        check_fit_data(EquationRegressor(), frame, np.ones(8))


def test_every_text_column_is_named(frame):
    frame["when"] = pd.date_range("2024-01-01", periods=8)
    frame["note"] = ["1.5", "2", "n/a?", "3", "4", "5", "6", "7"]
    with pytest.raises(ValueError, match="non-numeric columns: 'city'.*'when'.*'note' "
                                         r"\(e\.g\. 'n/a\?'\)") as info:
        check_fit_data(EquationRegressor(), frame, np.ones(8))
    assert "'mass'" not in str(info.value) and "'speed'" not in str(info.value)


def test_the_estimator_names_the_column_before_fitting(frame):
    with pytest.raises(ValueError, match="'city'"):
        EquationRegressor(method="search", time_budget=1.0).fit(frame, np.ones(8))


def test_numbers_written_as_text_and_booleans_are_numbers(frame):
    X = frame.drop(columns=["city"]).assign(
        code=np.array(["1", "2", "3", "4", "5", "6", "7", "8"], dtype=object),
        flag=[True, False] * 4, missing=np.array([1.0, None, 3, 4, 5, 6, 7, 8], dtype=object))
    assert non_numeric_columns(X) == {}
    with pytest.warns(DataWarning, match="dropped 1 of 8 rows"):  # the row with None
        data = check_fit_data(EquationRegressor(), X, np.ones(8))
    np.testing.assert_array_equal(data.X[:, 2], [1, 3, 4, 5, 6, 7, 8])
    assert data.names == ["mass", "speed", "code", "flag", "missing"]


def test_a_text_target_is_named(frame):
    with pytest.raises(ValueError, match=r"y \('city'\) must be numeric"):
        check_fit_data(EquationRegressor(), frame[["mass"]], frame["city"])


def test_arrays_and_lists_are_left_to_scikit_learn():
    assert non_numeric_columns(np.ones((3, 2))) == {}
    with pytest.raises(ValueError, match="could not convert"):
        check_fit_data(EquationRegressor(), [["a", "b"]] * 10, np.ones(10))
