"""``minigrad.distributions``: torch.distributions' names, shapes and semantics.

Distributions are built on minigrad's tensor ops, so ``log_prob``, ``entropy``,
``kl_divergence`` and ``rsample`` are differentiable in the parameters; draws come from the
device generator, so ``mg.manual_seed`` makes them repeatable. Port a torch tutorial by
changing ``torch.distributions`` to ``minigrad.distributions``.

Gamma, Beta, Dirichlet and StudentT reparameterise through the implicit gradient of a Gamma
draw (gamma_rsample.py). Not provided: TransformedDistribution and the transforms module
(LogNormal and the Relaxed ones are written out directly), LogitRelaxedBernoulli,
ExpRelaxedCategorical, LowRankMultivariateNormal and the other torch distributions (Weibull,
Gumbel, Chi2, VonMises, ...), and the cross-family KL pairs.
"""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical, OneHotCategorical
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .student_t import StudentT
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Geometric", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "StudentT", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
