"""`anyloss plot` and `anyloss describe` as a new user meets them (issue 14): custom losses and
loss arguments in plots, clear errors, honest titles, legends off the curves, plain text."""

from __future__ import annotations

import inspect
import textwrap

import pytest

from anyloss import _catalog
from anyloss.cli import main

USER_LOSSES = '''
from anyloss import ops

def scaled_mse(y_true, y_pred, scale=1.0):
    return scale * ops.mean(ops.square(y_true - y_pred), axis=-1)
'''


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch):
    """Rich wraps at the terminal width (COLUMNS, else 80 or 160): one line per message."""
    monkeypatch.setenv("COLUMNS", "1000")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def figures(monkeypatch):
    """Every figure `anyloss plot` saves, drawn, for inspection after the command."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    saved = []
    original = Figure.savefig

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        saved.append(self)

    monkeypatch.setattr(Figure, "savefig", record)
    return saved


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def _legend_labels(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_plot_takes_a_users_function_and_loss_arguments(tmp_path, monkeypatch, figures):
    (tmp_path / "my_losses.py").write_text(USER_LOSSES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "p.png"
    status = main(["plot", "mse,huber,my_losses:scaled_mse", "--arg", "delta=2",
                   "--arg", "scale=0.5", "--out", str(out)])
    assert status == 0 and out.stat().st_size > 10_000
    labels = _legend_labels(figures[-1])
    assert labels == ["mean_squared_error", "huber(delta=2)", "scaled_mse(scale=0.5)"]
    # A path works like in `anyloss check`.
    status = main(["plot", f"{tmp_path / 'my_losses.py'}:scaled_mse", "--out", str(out)])
    assert status == 0


def test_loss_arguments_are_parsed_as_literals():
    from anyloss.cli import _loss_args

    parsed = _loss_args(["delta=2", "w=[0.3, 0.7]", "flag=true", "x=None", "label=abc"])
    assert parsed == {"delta": 2, "w": [0.3, 0.7], "flag": True, "x": None, "label": "abc"}


@pytest.mark.parametrize(("args", "message"), [
    (["mse", "--arg", "delta"], "--arg takes NAME=VALUE"),
    (["mse", "--arg", "delta=2"], "no plotted loss (mean_squared_error) takes an argument"),
    (["bce", "--arg", "from_logits=true"], "pass --from-logits instead"),
])
def test_plot_argument_errors_are_usage_errors(tmp_path, capsys, args, message):
    assert main(["plot", *args, "--out", str(tmp_path / "x.png")]) == 2
    assert message in _flat(capsys.readouterr().err)
    assert not (tmp_path / "x.png").exists()


def test_plot_into_a_missing_directory_is_a_clear_error(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "dir" / "x.png"
    assert main(["plot", "mse", "--out", str(target)]) == 2
    err = _flat(capsys.readouterr().err)
    assert "does not exist" in err and "mkdir -p" in err and "Traceback" not in err


def test_binary_from_logits_title_says_y_true_not_class(tmp_path, figures):
    assert main(["plot", "bce", "--from-logits", "--out", str(tmp_path / "a.png")]) == 0
    titles = _titles(figures[-1])
    assert all("binary y_true = 1" in t and "class" not in t for t in titles), titles
    assert main(["plot", "bce", "--from-logits", "--y-true", "0",
                 "--out", str(tmp_path / "b.png")]) == 0
    assert "the model outputs -x" in figures[-1].get_suptitle()


def test_cross_entropy_curves_state_the_number_of_classes(tmp_path, figures):
    assert main(["plot", "bce,categorical_crossentropy", "--from-logits",
                 "--out", str(tmp_path / "a.png")]) == 0
    fig = figures[-1]
    assert all("binary y_true = 0" in t and "true class 0 of 3" in t for t in _titles(fig))
    assert "categorical_crossentropy (from logits), 3 classes" in _legend_labels(fig)
    assert "3-class" in fig.get_suptitle()


@pytest.mark.parametrize("y_true", [1, 0])
def test_hinge_embedding_is_drawn_against_the_distance(tmp_path, figures, y_true):
    """y_pred is a distance for both labels: the curves are torch's d (similar pair) and
    max(0, margin - d) (dissimilar), not a score flipped for label 0 as for the hinges."""
    np = pytest.importorskip("numpy")
    assert main(["plot", "hinge_embedding", "--y-true", str(y_true),
                 "--out", str(tmp_path / "a.png")]) == 0
    fig = figures[-1]
    loss_ax = fig.axes[0]
    assert "distance" in loss_ax.get_xlabel()
    assert "dissimilar" in fig.get_suptitle()
    (line,) = loss_ax.get_lines()[:1]
    d, loss = line.get_xdata(), line.get_ydata()
    assert d.min() == 0.0 and d.max() == 3.0
    expected = d if y_true == 1 else np.maximum(0.0, 1.0 - d)
    np.testing.assert_allclose(loss, expected, atol=1e-12)


@pytest.mark.parametrize("names", ["mse,mae,huber,log_cosh", "bce,categorical_crossentropy"])
def test_legends_do_not_cover_the_curves(tmp_path, figures, names):
    assert main(["plot", names, "--out", str(tmp_path / "a.png")]) == 0
    fig = figures[-1]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()  # the layout is savefig's
    assert all(ax.get_legend() is None for ax in fig.axes)  # no legend inside a panel
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))


def _describe(name: str, capsys) -> str:
    assert main(["describe", name]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("entry", _catalog.entries(), ids=lambda e: e.name)
def test_describe_shows_no_sphinx_markup_and_every_argument(entry, capsys):
    out = _describe(entry.name, capsys)
    assert ":func:" not in out and ":class:" not in out and "``" not in out, out
    rows = {line.split("│")[1].strip() for line in out.splitlines() if line.count("│") >= 4}
    arguments = [name for name, _ in entry.arguments()]
    arguments += list(inspect.signature(entry.function).parameters)[2:]
    missing = [name for name in arguments if name not in rows]
    assert not missing, textwrap.shorten(out, 3000)


def test_describe_marks_function_only_arguments(capsys):
    out = _describe("circle", capsys)
    assert "plus ref_labels, ref_embeddings (function only)" in _flat(out)
    assert "(al.circle only) Labels of the reference embeddings" in _flat(out)


def test_describe_turns_roles_into_plain_words(capsys):
    out = _describe("categorical_crossentropy", capsys)
    assert "sparse_categorical_crossentropy for integer labels" in _flat(out)
