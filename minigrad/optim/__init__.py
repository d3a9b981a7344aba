"""``minigrad.optim``: optimizers and learning-rate schedules with PyTorch's update equations."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adafactor import Adafactor
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .step_hooks import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler",
           "NAdam", "RAdam", "Adamax", "Adadelta", "Rprop", "ASGD", "LBFGS",
           "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]
__all__ += ["Adafactor"]
