"""Other libraries' names (``al.get("torch.nn.SmoothL1Loss")``): how a spelling resolves, how
the peer's arguments translate, and what a bare or wrong name says. That each spelling gives
its peer's numbers is tested per family (``tests/catalogue/test_<family>.py``); the last test
here checks that every declared spelling is exercised there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import anyloss as al
from anyloss.losses import _peers
from anyloss.losses._builtin import BUILTINS, PEERS, TORCH_REDUCTIONS, Peer

SPELLINGS = sorted(PEERS)
HERE = Path(__file__).parent


@pytest.fixture
def toy_peer(monkeypatch):
    """A spelling of huber declared for the test (the declared ones are the real peers')."""
    peer = Peer(
        "torch.nn.ToyHuberLoss",
        settings={"delta": 1.0},
        renames={"delta": "delta"},
        choices={"reduction": TORCH_REDUCTIONS, "size_average": {None: {}}},
        note="toy",
    )
    monkeypatch.setitem(PEERS, peer.name, ("huber", peer))
    return peer


def test_a_spelling_resolves_to_the_anyloss_class_with_the_peers_settings(toy_peer):
    loss = al.get("torch.nn.ToyHuberLoss")
    assert type(loss) is al.Huber and loss.delta == 1.0
    assert loss.reduction == "sum_over_batch_size"


def test_keywords_and_a_config_translate_the_same(toy_peer):
    by_keywords = al.get("torch.nn.ToyHuberLoss", delta=2.5, reduction="sum")
    by_config = al.get(
        {"class_name": "torch.nn.ToyHuberLoss", "config": {"delta": 2.5, "reduction": "sum"}}
    )
    assert by_keywords.get_config() == by_config.get_config()
    assert by_keywords.delta == 2.5 and by_keywords.reduction == "sum"
    # The resolved object is an anyloss loss: it saves as anyloss' class, and loads back.
    again = al.deserialize(json.loads(json.dumps(al.serialize(by_keywords))))
    assert type(again) is al.Huber and again.get_config() == by_keywords.get_config()


def test_prefix_variants_name_the_same_spelling(toy_peer):
    for name in ("torch.nn.ToyHuberLoss", "nn.ToyHuberLoss", "torch.nn.modules.loss.ToyHuberLoss"):
        assert _peers.canonical(name) == "torch.nn.ToyHuberLoss"
        assert type(al.get(name)) is al.Huber
    assert _peers.canonical("torch.nn.NoSuchLoss") is None


def test_an_argument_the_equivalent_lacks_is_refused_with_the_supported_ones(toy_peer):
    with pytest.raises(TypeError, match=r"'weight'.*Supported arguments: delta, reduction"):
        al.get("torch.nn.ToyHuberLoss", weight=[1.0, 2.0])


def test_a_value_the_equivalent_lacks_is_refused_with_the_supported_ones(toy_peer):
    with pytest.raises(ValueError, match=r"reduction='batchmean'.*'mean', 'sum', 'none'"):
        al.get("torch.nn.ToyHuberLoss", reduction="batchmean")
    with pytest.raises(ValueError, match=r"size_average=True.*None"):
        al.get("torch.nn.ToyHuberLoss", size_average=True)


def test_a_bare_name_is_refused_with_the_namespaced_spellings(toy_peer):
    with pytest.raises(ValueError, match=r"'torch\.nn\.ToyHuberLoss' \(anyloss huber\)"):
        al.get("ToyHuberLoss")
    with pytest.raises(ValueError, match=r"torch\.nn\.ToyHuberLoss"):
        al.deserialize({"class_name": "ToyHuberLoss", "config": {}})


#: Bare names that are also anyloss' own names (optax's ``ntxent``): anyloss' namespace wins.
OWN_NAMES = {s.rsplit(".", 1)[-1] for s in SPELLINGS} & {*al.FUNCTIONS, *al.ALIASES, *al.CLASSES}


def test_a_bare_name_that_is_also_anyloss_own_resolves_to_anyloss():
    for name in OWN_NAMES:
        loss = al.get(name)
        assert loss is al.FUNCTIONS.get(al.ALIASES.get(name, name)) or isinstance(
            loss, al.Loss), name


@pytest.mark.parametrize("name", sorted({s.rsplit(".", 1)[-1] for s in SPELLINGS} - OWN_NAMES))
def test_every_declared_bare_name_names_its_spellings(name):
    with pytest.raises(ValueError, match="another library's name") as info:
        al.get(name)
    for spelling in _peers.bare(name):
        assert repr(spelling) in str(info.value)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_declared_spelling_resolves_and_round_trips(spelling):
    loss_name, _ = PEERS[spelling]
    loss = al.get(spelling)
    assert type(loss) is BUILTINS[loss_name].loss_class
    again = al.deserialize(json.loads(json.dumps(al.serialize(loss))))
    assert again.get_config() == loss.get_config()


def test_resolving_every_spelling_imports_no_peer():
    code = (
        "import sys, anyloss as al\n"
        "from anyloss.losses._builtin import PEERS\n"
        "for s in PEERS: al.get(s)\n"
        "peers = ('torch', 'jax', 'optax', 'tensorflow', 'tensorflow_addons', 'monai',\n"
        "         'pytorch_metric_learning', 'segmentation_models_pytorch', 'torchvision', 'timm')\n"
        "print(sorted(m for m in peers if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_declared_spelling_is_compared_with_its_peer_in_a_family_test():
    """Each spelling appears in a ``tests/catalogue/test_<family>.py`` (where it is compared with
    the peer's numbers), not only here."""
    text = "\n".join(
        p.read_text() for p in HERE.glob("test_*.py") if p.name != Path(__file__).name
    )
    untested = [s for s in SPELLINGS if s not in text]
    assert not untested, f"peer spellings never compared with their peer: {untested}"


#: optax.losses exports that are not losses of (targets, predictions): each gets an error that
#: says what to use instead (``losses/_names.py``'s hints).
OPTAX_NOT_LOSSES = {"cosine_similarity", "make_fenchel_young_loss", "smooth_labels"}


def test_every_torch_nn_loss_class_resolves():
    """Every loss class torch.nn exports (read from the installed torch, so a new one fails
    this test) has its spelling."""
    torch = pytest.importorskip("torch")
    from torch.nn.modules.loss import _Loss

    classes = sorted(
        name
        for name in dir(torch.nn)
        if isinstance(getattr(torch.nn, name), type) and issubclass(getattr(torch.nn, name), _Loss)
    )
    assert len(classes) >= 20, classes
    missing = [name for name in classes if f"torch.nn.{name}" not in PEERS]
    assert not missing, f"torch.nn losses without a spelling: {missing}"
    for name in classes:
        assert isinstance(al.get(f"torch.nn.{name}"), al.Loss), name


def test_every_optax_loss_function_resolves_or_says_what_to_use():
    """Every function optax.losses exports (read from the installed optax) resolves, or, for
    the three that are no loss of (targets, predictions), raises an error naming what to use."""
    losses = pytest.importorskip("optax.losses")
    names = sorted(
        name for name in dir(losses) if not name.startswith("_") and callable(getattr(losses, name))
    )
    assert len(names) >= 30, names
    for name in names:
        if name in OPTAX_NOT_LOSSES:
            with pytest.raises(ValueError, match="Unknown loss") as info:
                al.get(f"optax.{name}")
            assert re.search(r"\b(use|pass)\b", str(info.value)), str(info.value)
            continue
        assert f"optax.{name}" in PEERS, f"optax.{name} has no spelling"
        assert isinstance(al.get(f"optax.losses.{name}"), al.Loss), name
