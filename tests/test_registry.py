"""get -> deserialize -> object lookup: names, aliases, classes, configs, registration."""

from __future__ import annotations

import json
import re
import sys

import keras
import numpy as np
import pytest

import anyloss as al
from anyloss.losses import CLASS_OF_FUNCTION
from tests.helpers import keras_losses

# Every identifier `get` resolves: function names and aliases -> canonical function name.
FUNCTION_IDENTIFIERS = {
    "mean_squared_error": "mean_squared_error", "mse": "mean_squared_error",
    "MSE": "mean_squared_error", "mean_absolute_error": "mean_absolute_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "huber": "huber", "huber_loss": "huber", "log_cosh": "log_cosh", "logcosh": "log_cosh",
    "poisson": "poisson", "cosine_similarity": "cosine_similarity",
    "kl_divergence": "kl_divergence", "kld": "kl_divergence", "KLD": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence", "hinge": "hinge",
    "squared_hinge": "squared_hinge", "categorical_hinge": "categorical_hinge",
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy", "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "categorical_generalized_cross_entropy": "categorical_generalized_cross_entropy",
    "dice": "dice", "tversky": "tversky", "ctc": "ctc", "circle": "circle",
}

# Keras 3 default names where they differ from the function's (Huber's is "huber_loss").
DEFAULT_NAMES = {"Huber": "huber_loss"}


@pytest.mark.parametrize(("identifier", "function"), FUNCTION_IDENTIFIERS.items())
def test_get_resolves_function_names_and_aliases(identifier, function):
    fn = al.get(identifier)
    assert fn.__name__ == function
    assert fn is getattr(al, function)
    assert getattr(al, identifier) is fn  # aliases are attributes too


@pytest.mark.parametrize("class_name", sorted(CLASS_OF_FUNCTION.values()))
def test_get_class_name_gives_default_instance_with_keras_name(class_name):
    loss = al.get(class_name)
    assert type(loss) is getattr(al, class_name)
    function = {v: k for k, v in CLASS_OF_FUNCTION.items()}[class_name]
    assert loss.name == DEFAULT_NAMES.get(class_name, function)
    assert loss.reduction == "sum_over_batch_size"


def test_get_passes_callables_and_none_through_and_instantiates_subclasses():
    def my_loss(y_true, y_pred):
        return y_pred

    instance = al.Huber(delta=3.0)
    assert al.get(None) is None
    assert al.get(my_loss) is my_loss
    assert al.get(instance) is instance
    assert isinstance(al.get(al.Poisson), al.Poisson)


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("msee", "mse"), ("mean_squared_eror", "mean_squared_error"),
    ("BinaryCrossEntropy", "BinaryCrossentropy"), ("Mse", "mse"), ("huber_los", "huber_loss"),
])
def test_unknown_identifier_suggests_close_names(typo, suggestion):
    with pytest.raises(ValueError, match=rf"Unknown loss '{typo}'.*Did you mean.*'{suggestion}'"):
        al.get(typo)


@pytest.mark.parametrize("bad", [3, 2.5, ["mse"], object()])
def test_get_rejects_other_types_naming_them(bad):
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        al.get(bad)


def test_get_rejects_base_classes_and_foreign_classes():
    with pytest.raises(ValueError, match=r"subclass of anyloss\.Loss"):
        al.get(al.Loss)
    with pytest.raises(ValueError, match=r"subclass of anyloss\.Loss"):
        al.get(dict)


# Non-default arguments for every class: serialize -> JSON -> deserialize keeps all of them (D3).
NON_DEFAULTS = {
    "MeanSquaredError": {}, "MeanAbsoluteError": {}, "MeanAbsolutePercentageError": {},
    "MeanSquaredLogarithmicError": {}, "LogCosh": {}, "Poisson": {}, "KLDivergence": {},
    "Hinge": {}, "SquaredHinge": {}, "CategoricalHinge": {},
    "CTC": {"divide_by_label_length": True, "zero_infinity": True},
    "Huber": {"delta": 2.5}, "CosineSimilarity": {"axis": 0},
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.2, "axis": 0},
    "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                "from_logits": True, "label_smoothing": 0.1, "axis": 0},
    "CategoricalCrossentropy": {"from_logits": True, "label_smoothing": 0.3, "axis": 0},
    "CategoricalFocalCrossentropy": {"alpha": [0.2, 0.3, 0.5], "gamma": 3.0,
                                     "from_logits": True, "label_smoothing": 0.1},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 2, "axis": -1,
                                      "label_smoothing": 0.1},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.7},
    "Dice": {"axis": (1, 2)}, "Tversky": {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)},
    "Circle": {"gamma": 30.0, "margin": 0.2, "remove_diagonal": False},
}


def _inputs_for(class_name: str, rng: np.random.Generator):
    probs = rng.dirichlet(np.ones(3), size=4)
    if class_name in ("SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy"):
        return np.array([0, 1, 2, 1]), probs
    if class_name == "CTC":
        return np.array([[1, 2], [2, 0], [1, 1], [2, 1]]), rng.normal(size=(4, 5, 3))
    if class_name == "Circle":
        emb = rng.normal(size=(4, 3))
        return np.array([0, 1, 0, 1]), emb / np.linalg.norm(emb, axis=1, keepdims=True)
    if class_name in ("Dice", "Tversky"):
        return rng.integers(0, 2, (4, 3, 2)).astype(float), rng.random((4, 3, 2))
    if class_name in ("CategoricalCrossentropy", "CategoricalFocalCrossentropy",
                      "CategoricalHinge", "KLDivergence"):
        return np.eye(3)[[0, 1, 2, 1]], probs
    return rng.random((4, 3)), rng.random((4, 3))


@pytest.mark.parametrize("class_name", sorted(NON_DEFAULTS))
def test_serialize_json_round_trip_keeps_every_argument(class_name):
    cls = getattr(al, class_name)
    loss = cls(**NON_DEFAULTS[class_name], reduction="sum", name="custom_name",
               dtype="float64")
    config = json.loads(json.dumps(al.serialize(loss)))
    assert config["module"] == "anyloss.losses"
    assert config["class_name"] == class_name
    assert config["registered_name"] is None
    again = al.deserialize(config)
    assert type(again) is cls
    assert again.get_config() == loss.get_config()
    for key, value in NON_DEFAULTS[class_name].items():
        expected = list(value) if isinstance(value, tuple) else value
        assert config["config"][key] == expected
    y_true, y_pred = _inputs_for(class_name, np.random.default_rng(0))
    np.testing.assert_allclose(again(y_true, y_pred), loss(y_true, y_pred), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(set(FUNCTION_IDENTIFIERS.values())))
def test_builtin_function_serializes_to_its_name(name):
    fn = al.get(name)
    assert al.serialize(fn) == name
    assert al.deserialize(al.serialize(fn)) is fn


# Configs exactly as Keras 3.15.1 writes them (keras.losses.serialize, checked at test time).
KERAS_CLASSES = sorted({CLASS_OF_FUNCTION[name] for name in keras_losses()}
                       - {"CategoricalGeneralizedCrossEntropy"})


@pytest.mark.parametrize("class_name", KERAS_CLASSES)
def test_reads_keras3_configs(class_name):
    keras_loss = getattr(keras.losses, class_name)(reduction="sum")
    config = json.loads(json.dumps(keras.losses.serialize(keras_loss)))
    ours = al.deserialize(config)
    assert type(ours) is getattr(al, class_name)
    assert ours.reduction == "sum"
    assert ours.name == keras_loss.name


def test_reads_keras3_function_and_wrapper_configs():
    from keras.src.losses.losses import LossFunctionWrapper as KerasWrapper

    fn_config = json.loads(json.dumps(keras.losses.serialize(keras.losses.mean_squared_error)))
    assert al.deserialize(fn_config) is al.mean_squared_error
    wrapper = KerasWrapper(keras.losses.huber, reduction="sum", delta=2.0)
    ours = al.deserialize(json.loads(json.dumps(keras.losses.serialize(wrapper))))
    assert type(ours) is al.LossFunctionWrapper
    assert ours.fn is al.huber
    assert ours.reduction == "sum"
    np.testing.assert_allclose(ours([[0.0, 0.0]], [[0.5, 3.0]]), al.huber([[0.0, 0.0]],
                               [[0.5, 3.0]], delta=2.0)[0])


def test_reads_tf_keras_configs_with_auto_reduction_and_fn():
    # tf-keras 2.x: `Huber(delta=2.).get_config()`, legacy bare dict.
    config = {"class_name": "Huber",
              "config": {"reduction": "auto", "name": "huber_loss", "delta": 2.0, "fn": "huber"}}
    loss = al.deserialize(config)
    assert isinstance(loss, al.Huber)
    assert loss.delta == 2.0
    assert loss.reduction == "sum_over_batch_size"  # D14
    tk = {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
          "config": {"reduction": "auto", "name": "scce", "from_logits": True,
                     "ignore_class": None}, "registered_name": None}
    assert al.deserialize(tk).from_logits is True


def test_deserialize_rejects_mismatched_fn_in_builtin_config():
    with pytest.raises(ValueError, match="expected 'huber'"):
        al.deserialize({"class_name": "Huber", "config": {"fn": "poisson"}})


def test_deserialize_never_imports_or_executes():
    before = set(sys.modules)
    hostile = [
        {"module": "os", "class_name": "system", "config": {"command": "echo hi"}},
        {"module": "subprocess", "class_name": "function", "config": "run"},
        {"class_name": "__lambda__", "config": {"value": "ZnVuY3Rpb24="}},
        {"module": "evil_pkg.losses", "class_name": "MeanSquaredError", "config": {}},
        "os.system", "builtins>eval", "eval",
    ]
    for config in hostile:
        with pytest.raises(ValueError):  # noqa: PT011 - any refusal will do; imports are checked
            al.deserialize(config)
    assert set(sys.modules) == before


def test_lambda_refusal_names_the_fix():
    with pytest.raises(ValueError, match=r"lambda.*@anyloss.register"):
        al.deserialize({"class_name": "__lambda__", "config": {"value": "x"}})
    with pytest.raises(ValueError, match=r"lambdas.*@anyloss.register"):
        al.serialize(lambda y_true, y_pred: y_pred)


def test_register_function_round_trips_by_package_name():
    @al.register(package="tests_pkg")
    def scaled_mse(y_true, y_pred):
        return al.ops.mean(al.ops.square(y_true - y_pred), axis=-1) * 2.0

    assert al.serialize(scaled_mse) == "tests_pkg>scaled_mse"
    assert al.get("tests_pkg>scaled_mse") is scaled_mse
    assert al.deserialize({"module": "builtins", "class_name": "function",
                           "config": "tests_pkg>scaled_mse",
                           "registered_name": "function"}) is scaled_mse
    wrapper = al.LossFunctionWrapper(scaled_mse, reduction="sum")
    again = al.deserialize(json.loads(json.dumps(al.serialize(wrapper))))
    assert again.fn is scaled_mse
    assert float(again([[1.0, 2.0]], [[0.0, 0.0]])) == pytest.approx(5.0)  # 2 * (1 + 4) / 2


def test_register_loss_subclass_round_trips_with_its_config():
    @al.register(package="tests_pkg")
    class ScaledAbs(al.Loss):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    loss = ScaledAbs(scale=3.0, reduction="sum")
    config = json.loads(json.dumps(al.serialize(loss)))
    assert config["registered_name"] == "tests_pkg>ScaledAbs"
    again = al.deserialize(config)
    assert isinstance(again, ScaledAbs)
    assert again.scale == 3.0
    assert float(again([[1.0]], [[0.0]])) == pytest.approx(3.0)


def test_unregistered_custom_loss_explains_the_fix_on_load():
    class Unreg(al.Loss):
        def call(self, y_true, y_pred):
            return y_pred

    config = json.loads(json.dumps(al.serialize(Unreg())))
    assert config["registered_name"] == "Unreg"
    with pytest.raises(ValueError, match=r"'Unreg'.*@anyloss.register.*custom_objects"):
        al.deserialize(config)
    assert isinstance(al.deserialize(config, custom_objects={"Unreg": Unreg}), Unreg)


def test_plain_module_level_function_needs_custom_objects_to_load():
    config = al.serialize(_module_level_loss)
    assert config["config"] == "_module_level_loss"
    with pytest.raises(ValueError, match=r"_module_level_loss.*custom_objects"):
        al.deserialize(config)
    assert al.deserialize(config, custom_objects={"_module_level_loss": _module_level_loss}) \
        is _module_level_loss
    with al.custom_objects({"_module_level_loss": _module_level_loss}):
        assert al.get("_module_level_loss") is _module_level_loss
        assert al.deserialize(config) is _module_level_loss
    with pytest.raises(ValueError, match="Unknown loss"):
        al.get("_module_level_loss")


def _module_level_loss(y_true, y_pred):
    return al.ops.mean(al.ops.abs(y_true - y_pred), axis=-1)


def test_register_rejects_lambdas_and_bad_packages():
    with pytest.raises(ValueError, match="named function"):
        al.register()(lambda y_true, y_pred: y_pred)
    with pytest.raises(ValueError, match="package"):
        al.register(package="a>b")


def test_deserialize_bad_configs_name_the_problem():
    with pytest.raises(ValueError, match="class_name"):
        al.deserialize({"config": {}})
    with pytest.raises(ValueError, match=r"Huber.*arguments are"):
        al.deserialize({"class_name": "Huber", "config": {"not_an_argument": 1}})
    with pytest.raises(TypeError, match="custom_objects"):
        al.deserialize("mse", custom_objects=["mse"])
    with pytest.raises(TypeError, match="config dict"):
        al.deserialize(3.5)


def test_keras_dtype_policy_config_is_read():
    config = {"class_name": "MeanSquaredError",
              "config": {"name": "mse", "reduction": "sum",
                         "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                   "config": {"name": "float64"}, "registered_name": None}}}
    assert al.deserialize(config).dtype == "float64"


@pytest.mark.parametrize(("peer", "expected"), [
    # Bare names of declared spellings: the error names the spellings and the anyloss loss.
    ("CrossEntropyLoss", r"'torch\.nn\.CrossEntropyLoss' \(anyloss sparse_categorical_crossentropy\)"),
    ("BCEWithLogitsLoss", r"'torch\.nn\.BCEWithLogitsLoss' \(anyloss binary_crossentropy\)"),
    ("MSELoss", r"'torch\.nn\.MSELoss' \(anyloss mean_squared_error\)"),
    ("softmax_cross_entropy_with_integer_labels",
     r"'optax\.softmax_cross_entropy_with_integer_labels' \(anyloss sparse_categorical"),
    ("KLDivLoss", r"'torch\.nn\.KLDivLoss' \(anyloss kl_div\)"),
    ("CTCLoss", r"'torch\.nn\.CTCLoss' \(anyloss ctc\)"),
    ("safe_softmax_cross_entropy",
     r"'optax\.safe_softmax_cross_entropy' \(anyloss categorical_crossentropy\)"),
    # Names without a spelling: a hint at the nearest anyloss loss.
    ("optax.cosine_similarity", r"not a loss: use cosine_distance\(targets, predictions\)"),
    ("optax.losses.smooth_labels", r"label transform.*label_smoothing="),
    ("optax.make_fenchel_young_loss", r"sparsemax\(labels, scores\)"),
])
def test_peer_names_point_at_the_right_loss(peer, expected):
    # Issue 14: "CrossEntropyLoss" used to suggest BinaryCrossentropy, the wrong loss.
    with pytest.raises(ValueError, match=rf"Unknown loss '{re.escape(peer)}'") as info:
        al.get(peer)
    assert re.search(expected, str(info.value)), str(info.value)
    assert "Did you mean" not in str(info.value)


def test_peer_hints_are_only_for_names_without_a_spelling():
    from anyloss.losses import _names
    from anyloss.losses._builtin import PEERS

    declared = {spelling.rsplit(".", 1)[-1] for spelling in PEERS}
    assert not declared & set(_names.PEER_NAMES), "a hint for a name that now resolves"


def test_peer_hints_name_real_losses_and_are_not_aliases():
    from anyloss.losses import _names

    for peer, hint in _names.PEER_NAMES.items():
        with pytest.raises(ValueError, match="Unknown loss"):  # a hint, never an alias
            al.get(peer)
        named = set(re.findall(r"\b([A-Za-z_]+)\(", hint)) - {"exp", "loss", peer}
        assert named, peer
        assert named <= set(al.__all__), (peer, named - set(al.__all__))
