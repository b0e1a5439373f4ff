"""The playground's widgets (ipywidgets): controls that call ``ganlab.lab.playground.game``.

Every button calls one method of the game (``step_d``, ``step_g``, ``step``, ``reset``,
``change``); nothing here computes anything of the GAN. The pictures are drawn off screen
with matplotlib's Agg and shown as a PNG, from the thread that plays, so that the
controls stay responsive while the game runs: Pause is read between two steps.
"""
import io
import threading

import ipywidgets as W
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ganlab.lab.playground import toy_data
from ganlab.lab.playground.game import BOUNDARY, GAMES, G_LOSSES, LIVE, OPTIMIZERS, PRESETS, DigitsGame, Game2D, Settings

CURVES = [("d_loss", "D's loss"), ("g_loss", "G's loss")]
OUTPUTS = [("d_real", "D(x)"), ("d_fake", "D(G(z))"), ("jsd", "JSD(real, fake)")]


def png(fig):
    """The figure as PNG bytes, drawn by Agg (no screen, safe from any thread)."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def draw_curves(axes, history, x_label):
    steps = list(range(1, len(history) + 1))
    for ax, keys in zip(axes, (CURVES, OUTPUTS)):
        for key, label in keys:
            if history and key in history[0]:
                ax.plot(steps, [p[key] for p in history], label=label, lw=1)
        if history:
            ax.legend(loc="upper right", fontsize=7)
        ax.grid(alpha=0.3)
    axes[1].set_xlabel(x_label)


def draw_2d(game):
    """D's surface with its undecided contour, G's manifold, the real and fake points, G's
    arrows on the fakes, and the curves so far."""
    fig = Figure(figsize=(11, 4.8))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.1, 1])
    ax = fig.add_subplot(grid[:, 0])
    surface = game.surface().numpy()
    bce = game.settings.loss == "bce"
    image = ax.imshow(surface, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu", alpha=0.8,
                      vmin=0 if bce else None, vmax=1 if bce else None)
    axis = torch.linspace(-1, 1, surface.shape[0]).numpy()
    ax.contour(axis, axis, surface, levels=[BOUNDARY[game.settings.loss]], colors="k", linewidths=0.8)
    fig.colorbar(image, ax=ax, fraction=0.04, label="D(x)" if bce else "D's score")
    for line in game.manifold().numpy():
        ax.plot(*line.T, color="darkorange", lw=0.5, alpha=0.5)
    ax.scatter(*game.real[:500].numpy().T, s=3, c="black", label="real")
    ax.scatter(*game.fakes(500).numpy().T, s=3, c="orange", label="G(z)")
    fakes, arrows = game.pushes()
    ax.quiver(*fakes.numpy().T, *arrows.numpy().T, color="green", width=0.004)
    ax.set(xlim=(-1, 1), ylim=(-1, 1), aspect="equal")
    ax.set_title(f"D steps {game.d_steps}, G steps {game.g_steps}", fontsize=10)
    ax.legend(loc="lower left", fontsize=7)
    draw_curves([fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])], game.history, "button presses")
    fig.tight_layout()
    ax.apply_aspect()
    fig.plane = ax.get_position().bounds            # where the plane is in the picture: x0, y0, width, height
    return fig


def draw_digits(game):
    """The fixed-noise grid, what the classifier reads in it, and the curves so far."""
    fig = Figure(figsize=(11, 4.8))
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.1])
    ax = fig.add_subplot(grid[:, 0])
    images, digits = game.grid()
    side = int(len(images) ** 0.5)
    tiles = images.reshape(side, side, 28, 28).permute(0, 2, 1, 3).reshape(side * 28, side * 28)
    ax.imshow(tiles.numpy(), cmap="gray", vmin=-1, vmax=1)
    for k, digit in enumerate(digits.tolist()):
        ax.text((k % side) * 28 + 1, (k // side) * 28 + 7, str(digit), color="gold", fontsize=7)
    ax.axis("off")
    ax.set_title(f"G steps {game.g_steps}; the classifier reads (gold): {len(set(digits.tolist()))} of 10 digits",
                 fontsize=10)
    draw_curves([fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])], game.history, "button presses")
    fig.tight_layout()
    return fig


def what_moved(action, before, after):
    """"Step D: D's surface moved by up to 0.012; G's points did not move", from the views
    (name -> tensor) before and after the step."""
    parts = [f"{name} moved by up to {(after[name] - before[name]).abs().max().item():.2g}"
             if not torch.equal(before[name], after[name]) else f"{name} did not move" for name in before]
    return f"{action}: {'; '.join(parts) or 'done'}"


PER_CLICK = 20           # real points a click places, in a small cloud around it


def plane_point(event, plane):
    """Where a pointer ``event`` on the picture lands on the plane [-1, 1]², or None off it;
    ``plane``: the plane's box in the picture, in fractions (x0, y0, width, height, from the bottom)."""
    x0, y0, width, height = plane
    fx = event["relativeX"] / event["boundingRectWidth"]
    fy = 1 - event["relativeY"] / event["boundingRectHeight"]                   # matplotlib counts from the bottom
    x, y = -1 + 2 * (fx - x0) / width, -1 + 2 * (fy - y0) / height
    return (float(x), float(y)) if -1 <= x <= 1 and -1 <= y <= 1 else None


class Player:
    """Plays ``step`` in a thread, ``rounds`` times or until ``pause``; calls ``redraw`` every ``every``."""

    def __init__(self, step, redraw):
        self.step, self.redraw = step, redraw
        self.thread, self.stop = None, threading.Event()
        self.played = 0

    @property
    def running(self):
        return self.thread is not None and self.thread.is_alive()

    def play(self, rounds=None, every=lambda: 10):
        if self.running:
            return
        self.stop.clear()
        self.thread = threading.Thread(target=self._loop, args=(rounds, every), daemon=True)
        self.thread.start()

    def _loop(self, rounds, every):
        done = 0
        while not self.stop.is_set() and (rounds is None or done < rounds):
            self.step()
            done += 1
            self.played += 1
            if done % max(1, every()) == 0:
                self.redraw()
        self.redraw()

    def pause(self):
        self.stop.set()
        if self.running:
            self.thread.join()


class Controls:
    """What both playgrounds share: the game's controls, the buttons, the picture and a status line."""

    def __init__(self, game, draw):
        self.game, self.draw = game, draw
        s = game.settings
        losses = [("BCE, non-saturating G", ("bce", "non_saturating")), ("BCE, saturating G", ("bce", "saturating")),
                  ("least squares", ("lsgan", "non_saturating")), ("hinge", ("hinge", "non_saturating")),
                  ("Wasserstein + gradient penalty", ("wgan-gp", "non_saturating"))]
        assert {loss for _, (loss, _) in losses} == set(GAMES) and {g for _, (_, g) in losses} == set(G_LOSSES)
        self.fields = {
            "loss": W.Dropdown(options=losses, value=(s.loss, s.g_loss), description="loss"),
            "d_steps": W.IntSlider(value=s.d_steps, min=1, max=10, description="D steps / G"),
            "optimizer_d": W.Dropdown(options=OPTIMIZERS, value=s.optimizer_d, description="D optimizer"),
            "lr_d": W.FloatLogSlider(value=s.lr_d, base=10, min=-5, max=-0.5, description="D rate", readout_format=".0e"),
            "beta1_d": W.FloatSlider(value=s.beta1_d, min=0, max=0.99, step=0.01, description="D β₁ / mom."),
            "optimizer_g": W.Dropdown(options=OPTIMIZERS, value=s.optimizer_g, description="G optimizer"),
            "lr_g": W.FloatLogSlider(value=s.lr_g, base=10, min=-5, max=-0.5, description="G rate", readout_format=".0e"),
            "beta1_g": W.FloatSlider(value=s.beta1_g, min=0, max=0.99, step=0.01, description="G β₁ / mom."),
            "seed": W.IntText(value=s.seed, description="seed"),
        }
        self.speed = W.IntSlider(value=10, min=1, max=100, description="steps/redraw")
        self.buttons = {name: W.Button(description=name) for name in
                        ("Step D", "Step G", "Step both", "Play", "Pause", "Reset")}
        self.image = W.Image(format="png")
        self.status = W.HTML().add_class("ganlab-status")           # what the last action did
        self.counts = W.HTML().add_class("ganlab-steps")            # how many steps each player took
        self.lock = threading.Lock()                      # one step at a time, from a button or Play
        self.player = Player(self.step_both, self.redraw)
        for name, action in [("Step D", self.step_d), ("Step G", self.step_g), ("Step both", self.step_both_now),
                             ("Play", lambda: self.player.play(every=lambda: self.speed.value)),
                             ("Pause", self.player.pause), ("Reset", self.reset)]:
            self.buttons[name].on_click(lambda _, action=action: action())
        for name, widget in self.fields.items():
            widget.observe(lambda change, name=name: self.changed(name, change["new"]), names="value")

    def settings(self):
        """The controls' values as ``Settings`` fields."""
        values = {name: w.value for name, w in self.fields.items() if name != "loss"}
        values["loss"], values["g_loss"] = self.fields["loss"].value
        return values

    quiet = False

    def changed(self, name, value):
        if self.quiet:
            return
        live = {k: v for k, v in self.settings().items() if k in LIVE}
        if name in LIVE or name == "loss":
            with self.lock:
                self.game.change(**live)
            self.status.value = f"{name} changed: from the next step on"
        else:
            self.status.value = f"{name} changed: press Reset to start again with it"

    def step_d(self):
        self.step_one("Step D", self.game.step_d)

    def step_g(self):
        self.step_one("Step G", self.game.step_g)

    def step_one(self, name, step):
        """One player's step, and a line on what moved: the other player's side never does."""
        with self.lock:
            before = self.game.views()
            step()
            self.status.value = what_moved(name, before, self.game.views())
        self.redraw()

    def step_both(self):
        with self.lock:
            self.game.step()

    def step_both_now(self):
        self.step_both()
        self.redraw()

    def reset(self):
        self.player.pause()
        with self.lock:
            self.restart()
        self.redraw()

    def redraw(self):
        with self.lock:
            fig = self.draw(self.game)
            self.plane = getattr(fig, "plane", None)
            self.image.value = png(fig)
            self.counts.value = f"D steps {self.game.d_steps}, G steps {self.game.g_steps}"

    def buttons_row(self):
        b = self.buttons
        return W.VBox([W.HBox([b["Step D"], b["Step G"], b["Step both"], b["Play"], b["Pause"], self.speed,
                               b["Reset"]]), self.counts])


class Playground2D(Controls):
    """The 2-D game: data, game, each player's optimizer, the networks; buttons; live pictures."""

    def __init__(self, settings=None, own_points=None):
        game = Game2D(settings, own_points)
        super().__init__(game, draw_2d)
        s = game.settings
        data = list(toy_data.DATASETS) + (["own"] if own_points is not None else [])
        self.fields.update({
            "data": W.Dropdown(options=data, value=s.data, description="data"),
            "layers": W.IntSlider(value=s.layers, min=1, max=4, description="layers"),
            "width": W.IntSlider(value=s.width, min=4, max=256, description="width"),
            "noise_dim": W.IntSlider(value=s.noise_dim, min=1, max=8, description="noise dim"),
        })
        for name in ("data", "layers", "width", "noise_dim"):
            self.fields[name].observe(lambda change, name=name: self.changed(name, change["new"]), names="value")
        self.preset = W.Dropdown(options=list(PRESETS), description="preset")
        self.load = W.Button(description="Load preset")
        self.load.on_click(lambda _: self.load_preset(self.preset.value))
        self.placing = W.ToggleButton(description="Place points", tooltip="click or drag on the plane to add real points")
        self.redraw()
        from ipyevents import Event               # clicks and drags on the picture, with where they landed
        self.pointer = Event(source=self.image, watched_events=["mousedown", "mousemove"], prevent_default_action=True,
                             throttle_or_debounce="throttle", wait=40)
        self.pointer.on_dom_event(self.pointed)

    def restart(self):
        self.game.reset(Settings(**self.settings()))

    def pointed(self, event):
        """A click, or a drag with the button down, on the plane while "Place points" is on: a small
        cloud of real points there."""
        if not self.placing.value or self.plane is None or (event["type"] == "mousemove" and event["buttons"] != 1):
            return
        xy = plane_point(event, self.plane)
        if xy is None:
            return
        cloud = torch.tensor(xy, dtype=torch.float32) + 0.03 * torch.randn(PER_CLICK, 2, generator=self.cloud_noise)
        self.player.pause()
        with self.lock:
            self.game.place(cloud)
            self.quiet, self.fields["data"].options = True, list(toy_data.DATASETS) + ["own"]
            self.fields["data"].value, self.quiet = "own", False
            self.status.value = (f"placed {PER_CLICK} real points at ({xy[0]:+.2f}, {xy[1]:+.2f}): "
                                 f"{len(self.game.real)} in all")
        self.redraw()

    cloud_noise = torch.Generator().manual_seed(0)

    def load_preset(self, name):
        """Put the preset's settings into the controls, start again, and say what to watch."""
        settings, watch = PRESETS[name]
        self.player.pause()
        self.quiet = True                  # the controls follow the preset: no change one by one
        for field, widget in self.fields.items():
            widget.value = (settings.loss, settings.g_loss) if field == "loss" else getattr(settings, field)
        self.quiet = False
        with self.lock:
            self.game.reset(settings)
        self.status.value = f"<b>{name}</b>: {watch}"
        self.redraw()

    def widget(self):
        f = self.fields
        column = lambda *names: W.VBox([f[n] for n in names])                       # noqa: E731
        return W.VBox([
            W.HBox([self.preset, self.load, self.placing]),
            W.HBox([column("data", "layers", "width", "noise_dim", "seed"),
                    column("loss", "d_steps"),
                    column("optimizer_d", "lr_d", "beta1_d"),
                    column("optimizer_g", "lr_g", "beta1_g")]),
            self.buttons_row(), self.status, self.image])


class PlaygroundDigits(Controls):
    """The MNIST game: the MLP GAN on the offline sample, with the same controls."""

    def __init__(self, **settings):
        super().__init__(DigitsGame(**settings), draw_digits)
        self.redraw()

    def restart(self):
        self.game.reset(**self.settings())

    def widget(self):
        f = self.fields
        return W.VBox([
            W.HBox([W.VBox([f["loss"], f["d_steps"], f["seed"]]),
                    W.VBox([f["optimizer_d"], f["lr_d"], f["beta1_d"]]),
                    W.VBox([f["optimizer_g"], f["lr_g"], f["beta1_g"]])]),
            self.buttons_row(), self.status, self.image])
