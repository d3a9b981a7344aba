"""``minigrad.nn``: layers, losses and initialisation, with PyTorch's names and defaults.

``Module`` and ``Parameter`` are the base; layers live one concept per file
(``linear.py``, ``activation.py``, ``loss.py``, ...); ``functional`` has each
layer's computation as a function and ``init`` the weight initialisers.
"""
from . import functional, init, utils  # noqa: F401
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation import (ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish,
                         PReLU, ReLU6, SiLU, Softmin, Softplus, Softsign, Threshold)
from .containers import Flatten, Identity, ModuleDict, ModuleList, Sequential
from .containers import ParameterDict, ParameterList, Unflatten
from .conv import Conv2d
from .conv import Conv1d, ConvTranspose2d
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .dropout import Dropout
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d
from .normalization import GroupNorm, LayerNorm
from .dropout import Dropout2d
from .loss import BCELoss, HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .sparse import Embedding
from .distance import CosineSimilarity, PairwiseDistance
from .parameter import Buffer, Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .pooling import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d,
                      MaxPool1d)

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Identity", "Flatten",
           "Linear",
           "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d",
           "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "functional", "init",
           "utils"]
__all__ += ["GELU", "SiLU", "Mish", "Softplus", "ELU", "SELU", "Hardtanh", "ReLU6", "Hardsigmoid",
            "Hardswish", "LogSigmoid", "Softsign", "PReLU", "Softmin", "Threshold"]
__all__ += ["LayerNorm", "GroupNorm", "Dropout2d", "Embedding", "L1Loss", "SmoothL1Loss",
            "HuberLoss", "BCELoss", "KLDivLoss", "CosineSimilarity", "PairwiseDistance"]
__all__ += ["Conv1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
            "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Upsample", "UpsamplingNearest2d",
            "UpsamplingBilinear2d"]
__all__ += ["ParameterList", "ParameterDict", "Unflatten", "Buffer"]
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: E402
__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from .attention import MultiheadAttention  # noqa: E402
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,  # noqa: E402
                          TransformerEncoder, TransformerEncoderLayer)
__all__ += ["MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
            "TransformerEncoderLayer", "TransformerDecoderLayer"]
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,  # noqa: E402
                      ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                      ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      ZeroPad1d, ZeroPad2d, ZeroPad3d)
__all__ += ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
            "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
            "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
            "CircularPad2d", "CircularPad3d"]
from .fold import Fold, Unfold  # noqa: E402
__all__ += ["Fold", "Unfold"]
from .batchnorm3d import BatchNorm3d  # noqa: E402
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: E402
from .local_response_norm import LocalResponseNorm  # noqa: E402
from .dropout_more import AlphaDropout, Dropout1d, Dropout3d, FeatureAlphaDropout  # noqa: E402
from .pooling_more import LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d  # noqa: E402
from .embedding_bag import EmbeddingBag  # noqa: E402
__all__ += ["BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
            "LocalResponseNorm", "Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
            "LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d", "EmbeddingBag"]
from .margin_loss import (CosineEmbeddingLoss, HingeEmbeddingLoss, MarginRankingLoss,  # noqa: E402
                          MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                          SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)
from .probabilistic_loss import GaussianNLLLoss, PoissonNLLLoss  # noqa: E402
from .ctc_loss import CTCLoss  # noqa: E402
__all__ += ["MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiMarginLoss",
            "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss",
            "TripletMarginLoss", "TripletMarginWithDistanceLoss", "PoissonNLLLoss",
            "GaussianNLLLoss", "CTCLoss"]
from .shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle, Softmax2d  # noqa: E402
__all__ += ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Softmax2d"]
from .activation_more import CELU, GLU, RReLU, Tanhshrink  # noqa: E402
from .bilinear import Bilinear  # noqa: E402
__all__ += ["GLU", "CELU", "RReLU", "Tanhshrink", "Bilinear"]
from .conv_nd import Conv3d, ConvTranspose1d, ConvTranspose3d  # noqa: E402
__all__ += ["Conv3d", "ConvTranspose1d", "ConvTranspose3d"]
from .rms_norm import RMSNorm  # noqa: E402
from .activation_more import Hardshrink, Softshrink  # noqa: E402
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: E402
__all__ += ["RMSNorm", "Hardshrink", "Softshrink", "AdaptiveLogSoftmaxWithLoss"]
from .pooling3d import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool3d,  # noqa: E402
                        MaxPool3d, MaxUnpool3d)
from .fractional_max_pool import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402
__all__ += ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d",
            "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d,  # noqa: E402
                   LazyConv2d, LazyConvTranspose2d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                   LazyInstanceNorm3d, LazyLinear)
from .lazy import UninitializedBuffer, UninitializedParameter  # noqa: E402,F401
__all__ += ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d", "LazyBatchNorm1d",
            "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
            "LazyInstanceNorm3d"]
from .lazy_conv_nd import LazyConv3d, LazyConvTranspose1d, LazyConvTranspose3d  # noqa: E402
__all__ += ["LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose3d"]
from .conv_relu_pool import ConvReLUMaxPool2d  # noqa: E402
__all__ += ["ConvReLUMaxPool2d"]
