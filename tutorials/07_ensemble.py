# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 07 - An ensemble: several models, one averaged prediction
#
# Two networks trained from different random starts (and with different
# learning-rate schedules) end up in different places: they mostly agree, but
# their mistakes differ. Averaging their predicted probabilities cancels much
# of what each gets wrong alone, so an ensemble of good models beats its
# typical member, and usually its best one (not always: a lucky member can
# still come out ahead, as one does here). It costs training and running every
# member.
#
# Members 0-4 are lesson 06's final recipe (the widened CNN with BatchNorm,
# augmentation and dropout, 15 epochs, batches of 128, Adam), each with its own
# seed and its own schedule: one-cycle at two peak rates, cosine annealing, and
# step decay. Seeds alone leave the members' mistakes much alike, so members 5-9
# change the architecture as well: one with padded convolutions, and four deeper
# ones (two convolutions before each pooling), which are also the strongest.
# Target: at least 99.7% test accuracy for the average.
#
# Run: `python tutorials/07_ensemble.py` (ten members: on a 2-core CPU about
# 10-15 minutes for each of the first six and 35 for each deep one; a few
# minutes each on a GPU with `--device cuda`). Each member is saved when it
# finishes; `--resume` reuses finished members, so the work can be spread over
# several sittings (and devices), and `--only-member K` trains member K alone, so
# several processes or machines can train members side by side.

# %%
import time

import numpy as np

from common import (build_cnn, finish, loaders, parse_args, predict_proba,
                    pyplot, report, savefig, setup)

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import transforms as T
from minigrad.training import fit


def options(p):
    p.add_argument("--members", type=int, default=None,
                   help="how many models to average, from the first (default: all ten; 3 with "
                        "--quick)")
    p.add_argument("--resume", action="store_true",
                   help="reuse members already trained with the same settings")
    p.add_argument("--only-member", type=int, default=None, metavar="K",
                   help="train (or with --resume reuse) member K alone and stop: to spread "
                        "the members over several processes or machines")


args = parse_args("An ensemble of CNNs on MNIST", epochs=15, extra=options)
out = setup(args, "07_ensemble")

augment = T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
_, test_loader = loaders(args, quick_train=256)

# %% [markdown]
# ## The members' recipes
#
# The same data and augmentation; different seeds (initial weights, batch order,
# augmentation draws, dropout masks), schedules and, for members 5-9,
# architectures. One-cycle and step decay are stepped every batch
# (`fit(..., scheduler_interval="batch")`); cosine annealing once per epoch.

# %%
RECIPES = [
    dict(seed=args.seed + 0, schedule="onecycle", lr=0.003),
    dict(seed=args.seed + 1, schedule="cosine", lr=0.002),
    dict(seed=args.seed + 2, schedule="step", lr=0.002),
    dict(seed=args.seed + 3, schedule="onecycle", lr=0.005),
    dict(seed=args.seed + 4, schedule="cosine", lr=0.001),
    # A second architecture: padding 1 keeps each conv's output the size of its input,
    # so the network also sees the digit's edges and has 7x7 rather than 5x5 maps at
    # the end.
    dict(seed=args.seed + 5, schedule="onecycle", lr=0.003, arch="padded"),
    # A third, deeper one: two 3x3 convs before each pooling (a 5x5 view from two
    # small kernels, with a ReLU between them), about 2.3x the work of the first.
    # Its members take a further seed and two more one-cycle peak rates.
    dict(seed=args.seed + 6, schedule="onecycle", lr=0.003, arch="deep"),
    dict(seed=args.seed + 7, schedule="cosine", lr=0.002, arch="deep"),
    dict(seed=args.seed + 8, schedule="onecycle", lr=0.004, arch="deep"),
    dict(seed=args.seed + 9, schedule="onecycle", lr=0.002, arch="deep"),
]
if args.members is None:
    args.members = 3 if args.quick else len(RECIPES)
if not 1 <= args.members <= len(RECIPES):
    raise SystemExit(f"--members must be between 1 and {len(RECIPES)}, got {args.members}")
RECIPES = RECIPES[:args.members]


def conv_block(c_in: int, c_out: int) -> list:
    """3x3 conv (no bias: BatchNorm's shift replaces it), BatchNorm, ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def build_deep_cnn(channels: tuple = (32, 64), hidden: int = 256, dropout: float = 0.3):
    """Two conv blocks, pool, two conv blocks, pool, then the same dense head as build_cnn:
    28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4."""
    c1, c2 = channels
    return nn.Sequential(
        *conv_block(1, c1), *conv_block(c1, c1), nn.MaxPool2d(2),
        *conv_block(c1, c2), *conv_block(c2, c2), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(c2 * 4 * 4, hidden),
        nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 10))


def make_model(recipe: dict):
    arch = recipe.get("arch", "base")
    if arch == "deep":
        return build_deep_cnn().to(args.device)
    return build_cnn(channels=(32, 64), hidden=256, batchnorm=True, dropout=0.3,
                     padding=1 if arch == "padded" else 0).to(args.device)


def schedule(recipe: dict, optimizer: optim.Optimizer, steps_per_epoch: int) -> tuple:
    """(scheduler, "batch" or "epoch": when fit steps it) for a recipe."""
    steps = args.epochs * steps_per_epoch
    if recipe["schedule"] == "onecycle":
        s = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe["lr"], total_steps=steps)
        return s, "batch"
    if recipe["schedule"] == "step":  # x0.1 at 60% and again at 85% of the batches
        s = optim.lr_scheduler.MultiStepLR(optimizer, [int(0.6 * steps), int(0.85 * steps)], 0.1)
        return s, "batch"
    if recipe["schedule"] == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs), "epoch"
    raise ValueError(f"unknown schedule {recipe['schedule']!r}")


def train_member(k: int, recipe: dict):
    path = out / f"member_{k}.npz"
    settings = dict(recipe, epochs=args.epochs, batch_size=args.batch_size, quick=args.quick)
    mg.manual_seed(recipe["seed"])
    model = make_model(recipe)
    if args.resume and path.exists():
        saved = mg.load(path, map_location=args.device)
        if saved["settings"] == settings:
            model.load_state_dict(saved["state_dict"])
            print(f"\n== member {k}: reusing {path} (trained in {saved['seconds']:.0f} s)")
            return model, saved["seconds"]
    print(f"\n== member {k}: seed {recipe['seed']}, {recipe['schedule']} schedule, "
          f"lr {recipe['lr']}, {recipe.get('arch', 'base')} architecture")
    loader = loaders(args, augment=augment, quick_train=256, seed=recipe["seed"])[0]
    optimizer = optim.Adam(model.parameters(), lr=recipe["lr"])
    scheduler, interval = schedule(recipe, optimizer, len(loader))
    t0 = time.perf_counter()
    fit(model, optimizer, loader, epochs=args.epochs, device=args.device, scheduler=scheduler,
        scheduler_interval=interval, progress=not args.no_progress)
    seconds = time.perf_counter() - t0
    mg.save({"state_dict": model.state_dict(), "settings": settings, "seconds": seconds}, path)
    print(f"saved {path}")
    return model, seconds


if args.only_member is not None:
    if not 0 <= args.only_member < len(RECIPES):
        raise SystemExit(f"--only-member must be between 0 and {len(RECIPES) - 1}, "
                         f"got {args.only_member}")
    train_member(args.only_member, RECIPES[args.only_member])
    raise SystemExit(0)

# %% [markdown]
# ## Train (or reload) the members and collect their test probabilities

# %%
member_probs, member_acc, total_seconds = [], [], 0.0
for k, recipe in enumerate(RECIPES):
    model, seconds = train_member(k, recipe)
    total_seconds += seconds
    probs, labels = predict_proba(model, test_loader)
    member_probs.append(probs)
    member_acc.append(float((probs.argmax(axis=1) == labels).mean()))
    print(f"member {k} ({recipe['schedule']}, lr {recipe['lr']}): test accuracy "
          f"{member_acc[-1]:.4f}")

# %% [markdown]
# ## Averaging
#
# The ensemble's prediction is the class with the highest mean probability.
# We show how accuracy changes as members are added one by one, and the
# average of each architecture's members on their own. Averaging pays among
# comparably good models; mixing a group of weaker ones into a stronger group
# pulls the average back towards the weaker.

# %%
def accuracy_of_mean(probs: list) -> float:
    return float((np.mean(probs, axis=0).argmax(axis=1) == labels).mean())


ensemble_acc = [accuracy_of_mean(member_probs[:k]) for k in range(1, len(member_probs) + 1)]
n_test = len(labels)
print(f"\n{'members':>7} {'ensemble acc':>12} {'errors':>7}")
for k, acc in enumerate(ensemble_acc, start=1):
    print(f"{k:>7} {acc:12.4f} {round((1 - acc) * n_test):7d}")
print(f"best single member: {max(member_acc):.4f}; members trained in "
      f"{total_seconds / 60:.1f} min in all")

groups: dict = {}  # architecture -> its members' indices, in order
for k, recipe in enumerate(RECIPES):
    groups.setdefault(recipe.get("arch", "base"), []).append(k)
group_acc = {arch: accuracy_of_mean([member_probs[k] for k in ks]) for arch, ks in groups.items()}
print(f"\n{'architecture':>12} {'members':>8} {'alone (each)':>26} {'averaged':>9}")
for arch, ks in groups.items():
    alone = ", ".join(f"{member_acc[k]:.4f}" for k in ks)
    print(f"{arch:>12} {len(ks):>8} {alone:>26} {group_acc[arch]:9.4f}")

plt = pyplot()
fig, ax = plt.subplots(figsize=(6.5, 4))
ks = np.arange(1, len(member_probs) + 1)
ax.plot(ks, [1 - a for a in member_acc], "o", label="member k alone")
ax.plot(ks, [1 - a for a in ensemble_acc], "-s", label="average of members 1..k")
for arch, members in groups.items():
    if len(members) > 1:
        ax.axhline(1 - group_acc[arch], ls=":", color="gray")
        ax.annotate(f"average of the {arch} members", (1, 1 - group_acc[arch]),
                    textcoords="offset points", xytext=(0, 3), fontsize=8, color="gray")
ax.set(xlabel="k", ylabel="test error (1 - accuracy)", xticks=ks,
       title="averaging models: members, running average, per architecture")
ax.grid(alpha=0.3)
ax.legend()
savefig(fig, out / "ensemble.png")

# %% [markdown]
# ## Result

# %%
report(f"ensemble of {len(member_probs)}: test accuracy", ensemble_acc[-1])
for arch, members in groups.items():
    if len(members) > 1:
        report(f"ensemble of the {len(members)} {arch} members: test accuracy", group_acc[arch])
finish()
