# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 06 - Augmentation, then BatchNorm, then Dropout
#
# Lesson 04's CNN makes about one mistake in a hundred. Three standard tools
# push it further, and we add them one at a time so that each is a measured
# step:
#
# 1. **data augmentation**: every epoch shows each training digit slightly
#    rotated, shifted and scaled, so the network learns the digit, not the
#    exact pixels;
# 2. **batch normalisation** after every convolution and the hidden dense
#    layer: each channel is normalised over the batch, then rescaled by two
#    learned numbers, which keeps activations in a good range and lets us
#    train with a larger learning rate;
# 3. **dropout** on the flattened features and hidden units, against the
#    over-fitting a longer, bigger run invites.
#
# Choices (the spec left them open): the CNN is widened to 32 and 64 filters
# and 256 hidden units (about twice the work of lesson 04's per image), all
# four runs use Adam with the **one-cycle** learning-rate policy (`OneCycleLR`,
# warm-up to 0.003 in the first 30% of steps, then annealing to almost zero;
# stepped every batch), batches of 128, 15 epochs. Target: the last model,
# BatchNorm + augmentation + dropout, at least 99.5% test accuracy.
#
# Run: `python tutorials/06_augmentation_batchnorm_dropout.py` (about 45-65 minutes on
# a 2-core CPU, minutes on a GPU with `--device cuda`). Every stage saves its
# weights and history; `--resume` reuses stages already trained with the same
# settings, so a long run can be split over several sittings.

# %%
import time

from common import (build_cnn, count_parameters, finish, loaders, parse_args,
                    pyplot, report, savefig, setup)

import minigrad as mg
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.data import transforms as T
from minigrad.training import History, evaluate, fit


def options(p):
    p.add_argument("--resume", action="store_true",
                   help="reuse stages already trained with the same settings")
    p.add_argument("--stages", default=None,
                   help="comma-separated subset of: baseline,augment,batchnorm,dropout")


args = parse_args("Augmentation, BatchNorm and Dropout on MNIST, one step at a time",
                  epochs=15, extra=options)
out = setup(args, "06_augmentation_batchnorm_dropout")

# %% [markdown]
# ## The augmentation
#
# `RandomAffine` draws one rotation (up to 10 degrees either way), shift (up
# to 10% of the width and height) and scale (90-110%) per image and resamples
# the whole batch in one gather. Below: the same eight digits, augmented
# three times.

# %%
augment = T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
plain_train, test_loader = loaders(args, quick_train=256)
aug_train, _ = loaders(args, augment=augment, quick_train=256)

plt = pyplot()
digits = plain_train.dataset.get_batch(list(range(8)))[0]  # uint8, 8 x 28 x 28
fig, axes = plt.subplots(4, 8, figsize=(9, 4.8))
rows = [digits] + [augment(digits) for _ in range(3)]
for r, (row_axes, images) in enumerate(zip(axes, rows)):
    for ax, img in zip(row_axes, images.numpy()):
        ax.imshow(img, cmap="gray")
        ax.axis("off")
    row_axes[0].set_title("original" if r == 0 else f"augmented #{r}", fontsize=8, loc="left")
savefig(fig, out / "augmentation_examples.png")

# %% [markdown]
# ## Four runs, one change at a time
#
# Each stage starts from the same seed, so the runs differ only in what the
# stage adds.

# %%
STAGES = {
    "baseline": dict(augment=False, batchnorm=False, dropout=0.0,
                     title="widened CNN"),
    "augment": dict(augment=True, batchnorm=False, dropout=0.0,
                    title="+ augmentation"),
    "batchnorm": dict(augment=True, batchnorm=True, dropout=0.0,
                      title="+ augmentation + BatchNorm"),
    "dropout": dict(augment=True, batchnorm=True, dropout=0.3,
                    title="+ augmentation + BatchNorm + Dropout"),
}
chosen = list(STAGES) if args.stages is None else args.stages.split(",")
unknown = set(chosen) - set(STAGES)
if unknown:
    raise SystemExit(f"unknown stage(s) {sorted(unknown)}; choose from {list(STAGES)}")


def make_model(stage: dict):
    """The widened CNN with what ``stage`` asks for."""
    return build_cnn(channels=(32, 64), hidden=256, batchnorm=stage["batchnorm"],
                     dropout=stage["dropout"]).to(args.device)


def settings(name: str) -> dict:
    """Everything that must match for a saved stage to be reused by --resume."""
    return dict(stage=name, epochs=args.epochs, seed=args.seed, batch_size=args.batch_size,
                quick=args.quick, max_lr=0.003)


def train_stage(name: str) -> tuple:
    stage = STAGES[name]
    path = out / f"stage_{name}.npz"
    mg.manual_seed(args.seed)
    model = make_model(stage)
    if args.resume and path.exists():
        saved = mg.load(path, map_location=args.device)
        if saved["settings"] == settings(name):
            model.load_state_dict(saved["state_dict"])
            print(f"\n== {name}: reusing {path} (trained in {saved['seconds']:.0f} s)")
            return model, History.from_dict(saved["history"]), saved["seconds"]
        print(f"\n== {name}: {path} was trained with other settings; training again")
    train_loader = aug_train if stage["augment"] else plain_train
    print(f"\n== {name} ({stage['title']}): {count_parameters(model):,} parameters")
    optimizer = optim.Adam(model.parameters(), lr=0.003)
    schedule = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.003, epochs=args.epochs,
                                             steps_per_epoch=len(train_loader))
    t0 = time.perf_counter()
    history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
                  device=args.device, scheduler=schedule, scheduler_interval="batch",
                  progress=not args.no_progress)
    seconds = time.perf_counter() - t0
    mg.save({"state_dict": model.state_dict(), "history": history.to_dict(),
             "settings": settings(name), "seconds": seconds}, path)
    viz.plot_history(history, path=out / f"history_{name}.png", title=stage["title"])
    print(f"saved {path} and {out / f'history_{name}.png'}")
    return model, history, seconds


results = {}
for name in chosen:
    model, history, seconds = train_stage(name)
    test = evaluate(model, test_loader, device=args.device)
    results[name] = dict(model=model, history=history, seconds=seconds, **test)
    print(f"{name}: test accuracy {test['accuracy']:.4f} ({seconds / 60:.1f} min of training)")

# %% [markdown]
# ## Each step, measured
#
# The test curves of all stages on one plot, and the final figures. Test
# errors are the more telling number at this level: going from 99.0% to 99.5%
# halves the mistakes.

# %%
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, r in results.items():
    ax.plot(r["history"].epoch, [1 - a for a in r["history"].val_acc], marker="o", ms=3,
            label=STAGES[name]["title"])
ax.set(yscale="log", xlabel="epoch", ylabel="test error (1 - accuracy)",
       title="each addition, measured on the test set")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
savefig(fig, out / "stages.png")

print(f"\n{'stage':42} {'test acc':>8} {'errors':>7} {'train min':>9}")
n_test = len(test_loader.dataset)
for name, r in results.items():
    errors = round((1 - r["accuracy"]) * n_test)
    print(f"{STAGES[name]['title']:42} {r['accuracy']:8.4f} {errors:7d} "
          f"{r['seconds'] / 60:9.1f}")

# %% [markdown]
# ## Result
#
# The final stage's model is saved as `model.npz`; lesson 07 trains several
# like it and averages their predictions.

# %%
last = chosen[-1]
mg.save({"state_dict": results[last]["model"].state_dict(),
         "meta": dict(stage=last, test_accuracy=results[last]["accuracy"])},
        out / "model.npz")
print(f"saved {out / 'model.npz'} ({last})")
report(f"{STAGES[last]['title']}: test accuracy", results[last]["accuracy"])
finish()
