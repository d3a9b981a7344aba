"""Bad calls raise an error that PyTorch-style code catches (``except RuntimeError`` for most
shape errors, as torch raises) and that minigrad-style code still catches (the ValueError,
TypeError or IndexError minigrad raised before): minigrad/errors.py's classes are both.

Each case below raised only minigrad's old type before. The oracle runs the same call on torch
and takes the type it raises; minigrad's error must be an instance of it and of the old type,
and its message must still name the op."""
from __future__ import annotations

import pytest

import minigrad as mg


def F(lib):  # noqa: N802  (F as in ``import torch.nn.functional as F``)
    return lib.nn.functional


def z(lib, *shape):
    return lib.zeros(*shape)


def o(lib, *shape):
    return lib.ones(*shape)


def li(lib, *values):
    return lib.tensor(list(values))


# (id, the type minigrad raised before, the op its message names, the call on torch or minigrad)
CASES = [
    ("cat_mismatch", ValueError, "cat", lambda L: L.cat([z(L, 2, 3), z(L, 3, 4)])),
    ("cat_mismatch_dim1", ValueError, "cat", lambda L: L.cat([z(L, 2, 3), z(L, 3, 4)], dim=1)),
    ("cat_ndim", ValueError, "cat", lambda L: L.cat([z(L, 2, 3), z(L, 3)])),
    ("stack_mismatch", ValueError, "stack", lambda L: L.stack([z(L, 2, 3), z(L, 3, 3)])),
    ("stack_empty", ValueError, "stack", lambda L: L.stack([])),
    ("hstack_mismatch", ValueError, "cat", lambda L: L.hstack([z(L, 2, 3), z(L, 3, 3)])),
    ("vstack_mismatch", ValueError, "cat", lambda L: L.vstack([z(L, 2, 3), z(L, 2, 4)])),
    ("dstack_mismatch", ValueError, "cat", lambda L: L.dstack([z(L, 2, 3), z(L, 2, 4)])),
    ("column_stack_mismatch", ValueError, "cat", lambda L: L.column_stack([z(L, 2), z(L, 3)])),
    ("view_bad", ValueError, "reshape", lambda L: z(L, 2, 3).view(4)),
    ("view_two_minus1", ValueError, "reshape", lambda L: z(L, 2, 3).view(-1, -1)),
    ("view_minus1_bad", ValueError, "reshape", lambda L: z(L, 2, 3).view(-1, 4)),
    ("view_neg", ValueError, "reshape", lambda L: z(L, 2, 3).view(-2, 3)),
    ("reshape_bad", ValueError, "reshape", lambda L: z(L, 2, 3).reshape(4)),
    ("reshape_minus1_bad", ValueError, "reshape", lambda L: z(L, 2, 3).reshape(-1, 4)),
    ("reshape_two_minus1", ValueError, "reshape", lambda L: z(L, 2, 3).reshape(-1, -1)),
    ("reshape_fn_bad", ValueError, "reshape", lambda L: L.reshape(z(L, 2, 3), (5, ))),
    ("view_as_bad", ValueError, "reshape", lambda L: z(L, 2, 3).view_as(z(L, 4))),
    ("reshape_as_bad", ValueError, "reshape", lambda L: z(L, 2, 3).reshape_as(z(L, 4))),
    ("expand_bad", ValueError, "expand", lambda L: z(L, 2, 3).expand(4, 3)),
    ("expand_fewer", ValueError, "expand", lambda L: z(L, 2, 3).expand(3)),
    ("expand_neg_new", ValueError, "expand", lambda L: z(L, 3).expand(-1, 3)),
    ("expand_as_bad", ValueError, "expand", lambda L: z(L, 2, 3).expand_as(z(L, 4, 3))),
    ("broadcast_to_bad", ValueError, "broadcast_to", lambda L: L.broadcast_to(z(L, 2, 3), (4, 3))),
    ("broadcast_tensors_bad", ValueError, "broadcast_tensors",
     lambda L: L.broadcast_tensors(z(L, 2, 3), z(L, 4, 3))),
    ("broadcast_shapes_bad", ValueError, "broadcast_shapes",
     lambda L: L.broadcast_shapes((2, 3), (4, 3))),
    ("permute_wrong_len", ValueError, "permute", lambda L: z(L, 2, 3).permute(0)),
    ("permute_repeat", ValueError, "permute", lambda L: z(L, 2, 3).permute(0, 0)),
    ("permute_oor", ValueError, "permute", lambda L: z(L, 2, 3).permute(0, 2)),
    ("t_3d", ValueError, "t", lambda L: z(L, 2, 3, 4).t()),
    ("flatten_start_gt_end", ValueError, "flatten", lambda L: z(L, 2, 3, 4).flatten(2, 1)),
    ("unflatten_bad", ValueError, "unflatten", lambda L: z(L, 2, 6).unflatten(1, (4, 2))),
    ("movedim_repeat", ValueError, "movedim", lambda L: L.movedim(z(L, 2, 3, 4), (0, 1), (1, 1))),
    ("movedim_len", ValueError, "movedim", lambda L: L.movedim(z(L, 2, 3, 4), (0, 1), (1, ))),
    ("narrow_oor", ValueError, "narrow", lambda L: z(L, 2, 3).narrow(1, 2, 3)),
    ("narrow_neg_len", ValueError, "narrow", lambda L: z(L, 2, 3).narrow(1, 0, -1)),
    ("split_sizes_bad", ValueError, "split", lambda L: z(L, 2, 3).split([1, 1], dim=1)),
    ("split_zero", ValueError, "split", lambda L: z(L, 2, 3).split(0, dim=1)),
    ("chunk_zero", ValueError, "chunk", lambda L: z(L, 2, 3).chunk(0)),
    ("flip_repeat", ValueError, "flip", lambda L: z(L, 2, 3).flip((0, 0))),
    ("roll_len_mismatch", ValueError, "roll", lambda L: L.roll(z(L, 2, 3), (1, 2), (0, ))),
    ("tile_neg", ValueError, "tile", lambda L: z(L, 2).tile((-1, ))),
    ("repeat_fewer", ValueError, "repeat", lambda L: z(L, 2, 3).repeat(2)),
    ("repeat_neg", ValueError, "repeat", lambda L: z(L, 2, 3).repeat(-1, 1)),
    ("meshgrid_2d", ValueError, "meshgrid", lambda L: L.meshgrid(z(L, 2, 2), indexing="ij")),
    ("meshgrid_bad_indexing", ValueError, "meshgrid",
     lambda L: L.meshgrid(z(L, 2), z(L, 3), indexing="zz")),
    ("setitem_shape_bad", ValueError, "setitem", lambda L: z(L, 3, 4).__setitem__(0, z(L, 3))),
    ("gather_idx_oor", IndexError, "gather",
     lambda L: L.gather(z(L, 2, 3), 1, L.full((2, 3), 5, dtype=L.int64))),
    ("scatter_idx_oor", IndexError, "scatter",
     lambda L: z(L, 2, 3).scatter(1, L.full((2, 3), 5, dtype=L.int64), 1.0)),
    ("index_select_idx_oor", IndexError, "index_select",
     lambda L: z(L, 2, 3).index_select(1, li(L, 5))),
    ("index_add_shape", IndexError, "index_add",
     lambda L: z(L, 2, 3).index_add(1, li(L, 0), z(L, 2, 2))),
    ("index_add_oor", IndexError, "index_add",
     lambda L: z(L, 2, 3).index_add(1, li(L, 7), z(L, 2, 1))),
    ("masked_fill_shape", ValueError, "masked_fill",
     lambda L: z(L, 2, 3).masked_fill(L.zeros(4, dtype=L.bool), 1.0)),
    ("masked_fill_float_mask", TypeError, "masked_fill",
     lambda L: z(L, 2, 3).masked_fill(z(L, 2, 3), 1.0)),
    ("masked_select_shape", ValueError, "masked_select",
     lambda L: L.masked_select(z(L, 2, 3), L.zeros(4, dtype=L.bool))),
    ("take_along_dim_shape", ValueError, "take_along_dim",
     lambda L: L.take_along_dim(z(L, 2, 3), L.zeros(3, 3, dtype=L.int64), 1)),
    ("sum_dim_repeat", ValueError, "sum", lambda L: z(L, 2, 3).sum((0, 0))),
    ("mean_int", TypeError, "mean", lambda L: L.zeros(2, dtype=L.int64).mean()),
    ("quantile_int", TypeError, "quantile", lambda L: L.quantile(L.zeros(3, dtype=L.int64), 0.5)),
    ("kthvalue_oor", IndexError, "kthvalue", lambda L: L.kthvalue(z(L, 3), 4)),
    ("add_bcast", ValueError, "add", lambda L: o(L, 3) + o(L, 2)),
    ("mul_bcast", ValueError, "mul", lambda L: o(L, 2, 3) * o(L, 4, 3)),
    ("where_bcast", ValueError, "where", lambda L: L.where(o(L, 5) > 0, o(L, 3), z(L, 3))),
    ("gt_bcast", ValueError, "gt", lambda L: o(L, 3) > o(L, 2)),
    ("eq_bcast", ValueError, "eq", lambda L: L.eq(o(L, 3), o(L, 2))),
    ("maximum_bcast", ValueError, "maximum", lambda L: L.maximum(o(L, 3), o(L, 2))),
    ("atan2_bcast", ValueError, "atan2", lambda L: L.atan2(o(L, 3), o(L, 2))),
    ("lerp_bcast", ValueError, "lerp", lambda L: L.lerp(o(L, 3), o(L, 2), 0.5)),
    ("clamp_nobound", ValueError, "clamp", lambda L: z(L, 2).clamp()),
    ("clamp_tensor_bcast", ValueError, "ge", lambda L: z(L, 2).clamp(min=z(L, 3))),
    ("add_inplace_bcast", ValueError, "add_", lambda L: z(L, 3).add_(z(L, 2, 3))),
    ("add_inplace_dtype", TypeError, "add_", lambda L: L.zeros(3, dtype=L.int64).add_(L.ones(3))),
    ("mul_inplace_dtype", TypeError, "mul_", lambda L: L.zeros(3, dtype=L.int64).mul_(0.5)),
    ("logical_and_bcast", ValueError, "logical_and", lambda L: L.logical_and(o(L, 3), o(L, 2))),
    ("neg_bool", TypeError, "neg", lambda L: -L.zeros(3, dtype=L.bool)),
    ("sub_bool", TypeError, "sub", lambda L: L.zeros(3, dtype=L.bool) - L.zeros(3, dtype=L.bool)),
    ("floor_divide_bcast", ValueError, "floor_divide", lambda L: L.floor_divide(o(L, 3), o(L, 2))),
    ("remainder_bcast", ValueError, "remainder", lambda L: L.remainder(o(L, 3), o(L, 2))),
    ("fmod_bcast", ValueError, "fmod", lambda L: L.fmod(o(L, 3), o(L, 2))),
    ("pow_bcast", ValueError, "pow", lambda L: L.pow(o(L, 3), o(L, 2))),
    ("hypot_bcast", ValueError, "hypot", lambda L: L.hypot(o(L, 3), o(L, 2))),
    ("isclose_bcast", ValueError, "isclose", lambda L: L.isclose(o(L, 3), o(L, 2))),
    ("allclose_bcast", ValueError, "isclose", lambda L: L.allclose(o(L, 3), o(L, 2))),
    ("addcmul_bcast", ValueError, "add", lambda L: L.addcmul(o(L, 3), o(L, 2), o(L, 2))),
    ("heaviside_bcast", ValueError, "heaviside", lambda L: L.heaviside(o(L, 3), o(L, 2))),
    ("xlogy_bcast", ValueError, "xlogy", lambda L: L.xlogy(o(L, 3), o(L, 2))),
    ("copysign_bcast", ValueError, "copysign", lambda L: L.copysign(o(L, 3), o(L, 2))),
    ("matmul_mismatch", ValueError, "matmul", lambda L: z(L, 2, 3) @ z(L, 4, 5)),
    ("matmul_1d_mismatch", ValueError, "matmul", lambda L: z(L, 3) @ z(L, 4)),
    ("matmul_0d", ValueError, "matmul", lambda L: L.matmul(L.tensor(1.0), z(L, 3))),
    ("matmul_batch_bcast", ValueError, "matmul", lambda L: z(L, 2, 2, 3) @ z(L, 3, 3, 4)),
    ("matmul_vec_mat", ValueError, "matmul", lambda L: z(L, 2) @ z(L, 3, 4)),
    ("matmul_mat_vec", ValueError, "matmul", lambda L: z(L, 3, 4) @ z(L, 3)),
    ("einsum_bad", ValueError, "einsum", lambda L: L.einsum("ij, jk->ik", z(L, 2, 3), z(L, 4, 5))),
    ("einsum_ops_count", ValueError, "einsum", lambda L: L.einsum("ij, jk->ik", z(L, 2, 3))),
    ("einsum_ndim", ValueError, "einsum", lambda L: L.einsum("ij->i", z(L, 2, 3, 4))),
    ("cross_sizes_differ", ValueError, "cross", lambda L: L.cross(z(L, 3), z(L, 4), dim=0)),
    ("linalg_vecdot_mismatch", ValueError, "mul", lambda L: L.linalg.vecdot(z(L, 3), z(L, 4))),
    ("dist_bcast", ValueError, "sub", lambda L: L.dist(z(L, 3), z(L, 2))),
    ("zeros_neg", ValueError, "zeros", lambda L: L.zeros(-1)),
    ("ones_neg", ValueError, "ones", lambda L: L.ones(2, -3)),
    ("empty_neg", ValueError, "empty", lambda L: L.empty(-1)),
    ("full_neg", ValueError, "full", lambda L: L.full((-1, ), 1.0)),
    ("rand_neg", ValueError, "rand", lambda L: L.rand(-1)),
    ("randn_neg", ValueError, "randn", lambda L: L.randn(-2)),
    ("randint_low_high", ValueError, "randint", lambda L: L.randint(5, 2, (3, ))),
    ("randperm_neg", ValueError, "randperm", lambda L: L.randperm(-1)),
    ("arange_zero_step", ValueError, "arange", lambda L: L.arange(0, 5, 0)),
    ("arange_wrong_dir", ValueError, "arange", lambda L: L.arange(5, 0, 1)),
    ("linspace_neg", ValueError, "linspace", lambda L: L.linspace(0, 1, -1)),
    ("eye_neg", ValueError, "eye", lambda L: L.eye(-1)),
    ("bincount_float", RuntimeError, "bincount", lambda L: L.bincount(L.tensor([1.0]))),
    ("linear_mismatch", ValueError, "linear", lambda L: F(L).linear(z(L, 2, 3), z(L, 4, 5))),
    ("linear_bias_bad", ValueError, "linear",
     lambda L: F(L).linear(z(L, 2, 3), z(L, 4, 3), z(L, 5))),
    ("conv1d_in_ch", ValueError, "conv1d", lambda L: F(L).conv1d(z(L, 1, 3, 8), z(L, 4, 2, 3))),
    ("conv1d_kernel_big", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 3, 2), z(L, 4, 3, 3))),
    ("conv3d_in_ch", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 3, 4, 4, 4), z(L, 4, 2, 3, 3, 3))),
    ("conv_transpose2d_in_ch", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 3, 8, 8), z(L, 4, 2, 3, 3))),
    ("conv_transpose1d_in_ch", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 3, 8), z(L, 4, 2, 3))),
    ("embedding_float_idx", TypeError, "embedding",
     lambda L: F(L).embedding(L.tensor([0.0]), z(L, 3, 2))),
    ("embedding_bag_oor", IndexError, "embedding_bag",
     lambda L: F(L).embedding_bag(L.tensor([[5]]), z(L, 3, 2))),
    ("one_hot_oor", ValueError, "one_hot", lambda L: F(L).one_hot(li(L, 5), 3)),
    ("one_hot_float", TypeError, "one_hot", lambda L: F(L).one_hot(L.tensor([1.0]), 3)),
    ("one_hot_neg", ValueError, "one_hot", lambda L: F(L).one_hot(li(L, -1), 3)),
    ("cross_entropy_target_oor", ValueError, "cross_entropy",
     lambda L: F(L).cross_entropy(z(L, 2, 3), li(L, 0, 5))),
    ("cross_entropy_float_target_shape", ValueError, "cross_entropy",
     lambda L: F(L).cross_entropy(z(L, 2, 3), z(L, 2, 4))),
    ("cross_entropy_weight_bad", ValueError, "cross_entropy",
     lambda L: F(L).cross_entropy(z(L, 2, 3), li(L, 0, 1), weight=z(L, 4))),
    ("cross_entropy_int_input", TypeError, "cross_entropy",
     lambda L: F(L).cross_entropy(L.zeros(2, 3, dtype=L.int64), li(L, 0, 1))),
    ("cross_entropy_smoothing_bad", ValueError, "cross_entropy",
     lambda L: F(L).cross_entropy(z(L, 2, 3), li(L, 0, 1), label_smoothing=1.5)),
    ("nll_loss_oor", ValueError, "nll_loss", lambda L: F(L).nll_loss(z(L, 2, 3), li(L, 0, 5))),
    ("nll_loss_float_target", TypeError, "nll_loss", lambda L: F(L).nll_loss(z(L, 2, 3), z(L, 2))),
    ("nll_loss_3d_target", ValueError, "nll_loss",
     lambda L: F(L).nll_loss(z(L, 2, 3, 4), L.zeros(2, 5, dtype=L.int64))),
    ("mse_loss_bcast", ValueError, "mse_loss", lambda L: F(L).mse_loss(z(L, 2, 3), z(L, 4, 3))),
    ("l1_loss_bcast", ValueError, "l1_loss", lambda L: F(L).l1_loss(z(L, 2, 3), z(L, 4, 3))),
    ("smooth_l1_bcast", ValueError, "smooth_l1_loss",
     lambda L: F(L).smooth_l1_loss(z(L, 2, 3), z(L, 4, 3))),
    ("huber_bcast", ValueError, "huber_loss", lambda L: F(L).huber_loss(z(L, 2, 3), z(L, 4, 3))),
    ("bce_logits_posw_bcast", ValueError, "binary_cross_entropy_with_logits",
     lambda L: F(L).binary_cross_entropy_with_logits(z(L, 2, 3), z(L, 2, 3), pos_weight=z(L, 4))),
    ("kl_div_bcast", ValueError, "kl_div",
     lambda L: F(L).kl_div(z(L, 2, 3), z(L, 4, 3), reduction="batchmean")),
    ("triplet_bcast", ValueError, "pairwise_distance",
     lambda L: F(L).triplet_margin_loss(z(L, 2, 3), z(L, 2, 4), z(L, 2, 3))),
    ("cosine_similarity_bcast", ValueError, "cosine_similarity",
     lambda L: F(L).cosine_similarity(z(L, 2, 3), z(L, 2, 4))),
    ("pairwise_distance_bcast", ValueError, "pairwise_distance",
     lambda L: F(L).pairwise_distance(z(L, 2, 3), z(L, 2, 4))),
    ("batch_norm_wrong_c", ValueError, "batch_norm",
     lambda L: F(L).batch_norm(z(L, 2, 3), z(L, 4), o(L, 4), training=False)),
    ("batch_norm_weight_bad", ValueError, "batch_norm",
     lambda L: F(L).batch_norm(z(L, 2, 3), z(L, 3), o(L, 3), weight=o(L, 4), training=False)),
    ("layer_norm_shape", ValueError, "layer_norm", lambda L: F(L).layer_norm(z(L, 2, 3), (4, ))),
    ("layer_norm_weight_bad", ValueError, "layer_norm",
     lambda L: F(L).layer_norm(z(L, 2, 3), (3, ), weight=o(L, 4))),
    ("group_norm_bad_groups", ValueError, "group_norm",
     lambda L: F(L).group_norm(z(L, 2, 6, 4), 4)),
    ("group_norm_weight_bad", ValueError, "group_norm",
     lambda L: F(L).group_norm(z(L, 2, 6, 4), 3, weight=o(L, 5))),
    ("instance_norm_wrong_c", ValueError, "instance_norm",
     lambda L: F(L).instance_norm(z(L, 2, 3, 4), z(L, 4), o(L, 4), use_input_stats=False)),
    ("scaled_dot_attn_bad", ValueError, "scaled_dot_product_attention",
     lambda L: F(L).scaled_dot_product_attention(z(L, 1, 2, 4), z(L, 1, 3, 5), z(L, 1, 3, 4))),
    ("linear_module_bad", ValueError, "Linear", lambda L: L.nn.Linear(3, 4)(z(L, 2, 5))),
    ("batchnorm1d_module_bad", ValueError, "BatchNorm1d",
     lambda L: L.nn.BatchNorm1d(3).eval()(z(L, 2, 4))),
    ("layernorm_module_bad", ValueError, "layer_norm", lambda L: L.nn.LayerNorm(4)(z(L, 2, 3))),
    ("lstm_bad_input", ValueError, "LSTM", lambda L: L.nn.LSTM(3, 4)(z(L, 5, 2, 2))),
    ("gru_bad_input", ValueError, "GRU", lambda L: L.nn.GRU(3, 4)(z(L, 5, 2, 2))),
    ("rnn_bad_input", ValueError, "RNN", lambda L: L.nn.RNN(3, 4)(z(L, 5, 2, 2))),
    ("lstmcell_bad", ValueError, "LSTMCell", lambda L: L.nn.LSTMCell(3, 4)(z(L, 2, 2))),
    ("grucell_bad", ValueError, "GRUCell", lambda L: L.nn.GRUCell(3, 4)(z(L, 2, 2))),
    ("rnncell_bad", ValueError, "RNNCell", lambda L: L.nn.RNNCell(3, 4)(z(L, 2, 2))),
    ("unflatten_module_bad", ValueError, "Unflatten",
     lambda L: L.nn.Unflatten(1, (2, 2))(z(L, 2, 6))),
    ("mse_module_bcast", ValueError, "mse_loss", lambda L: L.nn.MSELoss()(z(L, 2, 3), z(L, 4, 3))),
    ("to_bad", ValueError, "device", lambda L: z(L, 2).to("bad_thing")),
    ("mean_dtype_int", TypeError, "mean", lambda L: z(L, 2).mean(dtype=L.int64)),
    ("split_neg_sizes", ValueError, "split", lambda L: z(L, 2, 3).split([4, -1], dim=1)),
    ("narrow_0d", ValueError, "narrow", lambda L: L.tensor(1.0).narrow(0, 0, 1)),
    ("roll_none_tuple", ValueError, "roll", lambda L: L.roll(z(L, 2, 3), (1, 2))),
    ("unflatten_empty", ValueError, "unflatten", lambda L: z(L, 2, 6).unflatten(1, ())),
    ("unflatten_two_minus1", ValueError, "unflatten", lambda L: z(L, 2, 6).unflatten(1, (-1, -1))),
    ("unflatten_unresolvable", ValueError, "unflatten", lambda L: z(L, 2, 6).unflatten(1, (-1, 4))),
    ("broadcast_to_fewer", ValueError, "broadcast_to", lambda L: L.broadcast_to(z(L, 2, 3), (3, ))),
    ("meshgrid_empty", ValueError, "meshgrid", lambda L: L.meshgrid(indexing="ij")),
    ("sum_dim_repeat2", ValueError, "sum", lambda L: z(L, 2, 3).sum((0, -2))),
    ("amax_dim_repeat", ValueError, "amax", lambda L: z(L, 2, 3).amax((0, 0))),
    ("mean_dim_repeat", ValueError, "mean", lambda L: z(L, 2, 3).mean((1, 1))),
    ("std_dim_repeat", ValueError, "var", lambda L: z(L, 2, 3).std((1, 1))),
    ("logsumexp_dim_repeat", ValueError, "logsumexp", lambda L: L.logsumexp(z(L, 2, 3), (1, 1))),
    ("norm_dim_repeat", ValueError, "norm", lambda L: L.linalg.vector_norm(z(L, 2, 3), dim=(1, 1))),
    ("nanmean_int", TypeError, "nanmean", lambda L: L.nanmean(L.zeros(3, dtype=L.int64))),
    ("var_mean_int", TypeError, "var_mean", lambda L: L.var_mean(L.zeros(3, dtype=L.int64))),
    ("std_mean_int", TypeError, "std_mean", lambda L: L.std_mean(L.zeros(3, dtype=L.int64))),
    ("logcumsumexp_int", TypeError, "logcumsumexp",
     lambda L: L.logcumsumexp(L.zeros(3, dtype=L.int64), 0)),
    ("nanquantile_int", TypeError, "nanquantile",
     lambda L: L.nanquantile(L.zeros(3, dtype=L.int64), 0.5)),
    ("var_int", TypeError, "var", lambda L: L.zeros(3, dtype=L.int64).var()),
    ("std_int", TypeError, "std", lambda L: L.zeros(3, dtype=L.int64).std()),
    ("scatter_add_oor", IndexError, "scatter_add",
     lambda L: z(L, 2, 3).scatter_add(1, L.full((2, 3), 5, dtype=L.int64), z(L, 2, 3))),
    ("scatter_reduce_oor", IndexError, "scatter_reduce",
     lambda L: z(L, 2, 3).scatter_reduce(1, L.full((2, 3), 5, dtype=L.int64), z(L, 2, 3), "sum")),
    ("gather_neg", IndexError, "gather",
     lambda L: L.gather(z(L, 2, 3), 1, L.full((2, 3), -1, dtype=L.int64))),
    ("index_select_neg", IndexError, "index_select",
     lambda L: z(L, 2, 3).index_select(1, li(L, -1))),
    ("index_fill_2d", IndexError, "index_fill",
     lambda L: z(L, 2, 3).index_fill(1, L.zeros(1, 1, dtype=L.int64), 1.0)),
    ("unbind_0d", ValueError, "unbind", lambda L: L.tensor(1.0).unbind()),
    ("chunk_0d", ValueError, "chunk", lambda L: L.tensor(1.0).chunk(1)),
    ("split_0d", ValueError, "split", lambda L: L.tensor(1.0).split(1)),
    ("permute_len2", ValueError, "permute", lambda L: z(L, 2, 3).permute(0, 1, 2)),
    ("arange_inf", ValueError, "arange", lambda L: L.arange(0, float("inf"))),
    ("randint_eq", ValueError, "randint", lambda L: L.randint(3, 3, (2, ))),
    ("einsum_bad_sub", ValueError, "einsum", lambda L: L.einsum("i1->i", z(L, 2))),
    ("einsum_out_repeat", ValueError, "einsum", lambda L: L.einsum("ij->ii", z(L, 2, 2))),
    ("einsum_out_missing", ValueError, "einsum", lambda L: L.einsum("ij->k", z(L, 2, 2))),
    ("to_bad2", ValueError, "device", lambda L: z(L, 2).to(device="tpu")),
    ("zeros_bad_device", ValueError, "device", lambda L: L.zeros(2, device="tpu")),
    ("ce_0d_input", ValueError, "cross_entropy",
     lambda L: F(L).cross_entropy(L.tensor(1.0), L.tensor(0))),
    ("bce_weight_bad", ValueError, "binary_cross_entropy",
     lambda L: F(L).binary_cross_entropy(z(L, 2, 3)+0.5, z(L, 2, 3), weight=z(L, 4))),
    ("bce_logits_weight_bad", ValueError, "binary_cross_entropy_with_logits",
     lambda L: F(L).binary_cross_entropy_with_logits(z(L, 2, 3), z(L, 2, 3), weight=z(L, 4))),
    ("smooth_l1_neg_beta", ValueError, "smooth_l1_loss",
     lambda L: F(L).smooth_l1_loss(z(L, 2), z(L, 2), beta=-1.0)),
    ("huber_neg_delta", ValueError, "huber_loss",
     lambda L: F(L).huber_loss(z(L, 2), z(L, 2), delta=-1.0)),
    ("layer_norm_neg_shape", ValueError, "layer_norm",
     lambda L: F(L).layer_norm(z(L, 2, 3), (-3, ))),
    ("group_norm_1d", ValueError, "group_norm", lambda L: F(L).group_norm(z(L, 6), 3)),
    ("batch_norm_1d_input", ValueError, "batch_norm",
     lambda L: F(L).batch_norm(z(L, 3), z(L, 3), o(L, 3))),
    ("batch_norm_eval_no_stats", ValueError, "batch_norm",
     lambda L: F(L).batch_norm(z(L, 2, 3), None, None, training=False)),
    ("conv1d_groups0", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 4, 8), z(L, 4, 4, 3), groups=0)),
    ("conv1d_outch_groups", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 4, 8), z(L, 3, 2, 3), groups=2)),
    ("conv1d_stride0", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 3, 8), z(L, 4, 3, 3), stride=0)),
    ("conv1d_pad_neg", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 3, 8), z(L, 4, 3, 3), padding=-1)),
    ("conv1d_pad_bad_str", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 3, 8), z(L, 4, 3, 3), padding="bad")),
    ("conv1d_same_strided", ValueError, "conv1d",
     lambda L: F(L).conv1d(z(L, 1, 3, 8), z(L, 4, 3, 3), padding="same", stride=2)),
    ("conv3d_groups0", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 4, 4, 4, 4), z(L, 4, 4, 3, 3, 3), groups=0)),
    ("conv3d_outch_groups", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 4, 4, 4, 4), z(L, 3, 2, 3, 3, 3), groups=2)),
    ("conv3d_kernel_big", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 3, 2, 2, 2), z(L, 4, 3, 3, 3, 3))),
    ("conv3d_bias_bad", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 3, 4, 4, 4), z(L, 4, 3, 3, 3, 3), z(L, 5))),
    ("conv3d_pad_bad_str", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 3, 4, 4, 4), z(L, 4, 3, 3, 3, 3), padding="bad")),
    ("conv3d_same_strided", ValueError, "conv3d",
     lambda L: F(L).conv3d(z(L, 1, 3, 4, 4, 4), z(L, 4, 3, 3, 3, 3), padding="same", stride=2)),
    ("convt1d_groups0", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 4, 8), z(L, 4, 2, 3), groups=0)),
    ("convt1d_inch_groups", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 3, 8), z(L, 3, 2, 3), groups=2)),
    ("convt1d_stride0", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 4, 8), z(L, 4, 2, 3), stride=0)),
    ("convt1d_outpad_big", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 4, 8), z(L, 4, 2, 3), stride=2, output_padding=2)),
    ("convt1d_out_neg", ValueError, "conv_transpose1d",
     lambda L: F(L).conv_transpose1d(z(L, 1, 4, 1), z(L, 4, 2, 1), padding=2)),
    ("convt2d_groups0", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 2, 3, 3), groups=0)),
    ("convt2d_inch_groups", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 3, 8, 8), z(L, 3, 2, 3, 3), groups=2)),
    ("convt2d_stride0", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 2, 3, 3), stride=0)),
    ("convt2d_pad_neg", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 2, 3, 3), padding=-1)),
    ("convt2d_outpad_big", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 2, 3, 3), stride=2,
                                     output_padding=2)),
    ("convt2d_out_neg", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 1, 1), z(L, 4, 2, 1, 1), padding=2)),
    ("convt2d_bias_bad", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 2, 3, 3), z(L, 5))),
    ("convt2d_empty_w", ValueError, "conv_transpose2d",
     lambda L: F(L).conv_transpose2d(z(L, 1, 4, 8, 8), z(L, 4, 0, 3, 3))),
    ("convt3d_bias_bad", ValueError, "conv_transpose3d",
     lambda L: F(L).conv_transpose3d(z(L, 1, 4, 4, 4, 4), z(L, 4, 2, 3, 3, 3), z(L, 5))),
    ("convt3d_inch", ValueError, "conv_transpose3d",
     lambda L: F(L).conv_transpose3d(z(L, 1, 3, 4, 4, 4), z(L, 4, 2, 3, 3, 3))),
    ("sdpa_kv_len", ValueError, "scaled_dot_product_attention",
     lambda L: F(L).scaled_dot_product_attention(z(L, 1, 2, 4), z(L, 1, 3, 4), z(L, 1, 5, 4))),
    ("unflatten_module_minus1", ValueError, "Unflatten",
     lambda L: L.nn.Unflatten(1, (-1, 4))(z(L, 2, 6))),
    ("batchnorm2d_c", ValueError, "BatchNorm2d",
     lambda L: L.nn.BatchNorm2d(3).eval()(z(L, 2, 4, 2, 2))),
    ("batch_norm_int", TypeError, "batch_norm",
     lambda L: F(L).batch_norm(L.zeros(2, 3, dtype=L.int64), None, None, training=True)),
    ("batch_norm_w_dtype", TypeError, "batch_norm",
     lambda L: F(L).batch_norm(z(L, 2, 3), None, None, weight=L.ones(3, dtype=L.float64),
                               training=True)),
    ("layer_norm_int", TypeError, "layer_norm",
     lambda L: F(L).layer_norm(L.zeros(2, 3, dtype=L.int64), (3, ))),
    ("embedding_bag_float", TypeError, "embedding_bag",
     lambda L: F(L).embedding_bag(L.tensor([[0.0]]), z(L, 3, 2))),
    ("one_hot_minus1_class_oor", ValueError, "one_hot", lambda L: F(L).one_hot(li(L, 1, 2), 2)),
    ("linear_bias_2d", ValueError, "linear",
     lambda L: F(L).linear(z(L, 2, 3), z(L, 4, 3), z(L, 3, 4))),
    ("ctc_logprobs_ndim", ValueError, "ctc_loss",
     lambda L: F(L).ctc_loss(z(L, 5), L.ones(2, 3, dtype=L.int64), li(L, 5, 5), li(L, 3, 3))),
    ("ctc_targets_ndim", ValueError, "ctc_loss",
     lambda L: F(L).ctc_loss(z(L, 5, 2, 4), L.ones(2, 3, 1, dtype=L.int64), li(L, 5, 5),
                             li(L, 3, 3))),
    ("div_rounding_bad", ValueError, "div", lambda L: L.div(o(L, 2), o(L, 2), rounding_mode="bad")),
    ("dropout2d_1d", ValueError, "dropout2d", lambda L: F(L).dropout2d(z(L, 3))),
    ("embedding_module_neg", ValueError, "Embedding", lambda L: L.nn.Embedding(-1, 2)),
    ("embedding_weight_1d", ValueError, "embedding", lambda L: F(L).embedding(li(L, 0), z(L, 3))),
    ("gradient_edge_order", ValueError, "torch.gradient",
     lambda L: L.gradient(z(L, 5), edge_order=3)),
    ("groupnorm_module_c", ValueError, "GroupNorm", lambda L: L.nn.GroupNorm(2, 4)(z(L, 2, 6, 3))),
    ("histogram_inf", ValueError, "histogram",
     lambda L: L.histogram(L.tensor([float("inf"), 1.0]), 3)),
    ("interp_empty_spatial", ValueError, "interpolate",
     lambda L: F(L).interpolate(z(L, 1, 1, 0, 4), size=2)),
    ("interp_scale_empty", ValueError, "interpolate",
     lambda L: F(L).interpolate(z(L, 1, 1, 4, 4), scale_factor=0.1)),
    ("interp_scale_neg", ValueError, "interpolate",
     lambda L: F(L).interpolate(z(L, 1, 1, 4, 4), scale_factor=-1.0)),
    ("interp_size_neg", ValueError, "interpolate",
     lambda L: F(L).interpolate(z(L, 1, 1, 4, 4), size=-1)),
    ("lrn_size0", ValueError, "local_response_norm",
     lambda L: F(L).local_response_norm(z(L, 2, 3, 4), 0)),
    ("mha_mask_bad", ValueError, "MultiheadAttention",
     lambda L: L.nn.MultiheadAttention(4, 2)(z(L, 3, 2, 4), z(L, 3, 2, 4), z(L, 3, 2, 4),
                                             attn_mask=z(L, 2, 2))),
    ("quantile_interp", ValueError, "quantile",
     lambda L: L.quantile(z(L, 3), 0.5, interpolation="bad")),
    ("sdpa_1d", ValueError, "scaled_dot_product_attention",
     lambda L: F(L).scaled_dot_product_attention(z(L, 4), z(L, 4), z(L, 4))),
    ("tensor_dict", TypeError, "tensor", lambda L: L.tensor({"a": 1})),
    ("tensor_none", TypeError, "tensor", lambda L: L.tensor(None)),
    ("scalar_tensor_bad_device", ValueError, "device",
     lambda L: L.scalar_tensor(1.0, device="tpu")),
    ("vector_norm_int", TypeError, "vector_norm",
     lambda L: L.linalg.vector_norm(L.zeros(3, dtype=L.int64))),
    ("diagonal_1d", RuntimeError, "diagonal", lambda L: L.linalg.diagonal(z(L, 3))),
    ("aminmax_empty_dim", RuntimeError, "aminmax", lambda L: L.aminmax(z(L, 0, 3), dim=0)),
    ("diagonal_scatter_1d", RuntimeError, "diagonal_scatter",
     lambda L: L.diagonal_scatter(z(L, 3), z(L, 3))),
]


def _builtin(exc_type: type) -> type:
    """torch's own classes (torch.linalg.LinAlgError, ...) by their builtin base."""
    return next(c for c in exc_type.__mro__ if c.__module__ == "builtins")


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's note on loss target shapes
@pytest.mark.parametrize("old, op, call", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_caught_as_torch_and_as_before(old, op, call) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as expected:
        call(torch)
    torch_type = _builtin(expected.type)
    with pytest.raises(Exception) as got:
        call(mg)
    assert isinstance(got.value, torch_type), (got.type.__mro__, torch_type, str(got.value))
    assert isinstance(got.value, old), (got.type.__mro__, old)
    assert op in str(got.value), str(got.value)


# --- without torch: one error, caught both ways ----------------------------------------------
SHAPE_ERRORS = [
    ("cat", lambda: mg.cat([mg.zeros(2, 3), mg.zeros(3, 4)])),
    ("reshape", lambda: mg.zeros(2, 3).view(4)),
    ("matmul", lambda: mg.zeros(2, 3) @ mg.zeros(4, 5)),
    ("add", lambda: mg.ones(3) + mg.ones(2)),
    ("expand", lambda: mg.zeros(2, 3).expand(4, 3)),
    ("conv_transpose2d", lambda: mg.nn.functional.conv_transpose2d(mg.zeros(1, 3, 8, 8),
                                                                   mg.zeros(4, 2, 3, 3))),
    ("linear", lambda: mg.nn.functional.linear(mg.zeros(2, 3), mg.zeros(4, 5))),
]


@pytest.mark.parametrize("op, call", SHAPE_ERRORS, ids=[op for op, _ in SHAPE_ERRORS])
def test_a_shape_error_is_a_value_error_and_a_runtime_error(op, call) -> None:
    for caught in (ValueError, RuntimeError):
        with pytest.raises(caught, match=op):
            call()


def test_an_index_out_of_range_is_an_index_error_and_a_runtime_error() -> None:
    index = mg.full((2, 3), 5, dtype=mg.int64)
    for caught in (IndexError, RuntimeError):
        with pytest.raises(caught, match=r"gather: index 5 is out of bounds for dimension 1"):
            mg.gather(mg.zeros(2, 3), 1, index)


def test_a_class_target_out_of_range_is_also_an_index_error() -> None:
    """torch raises IndexError; minigrad raised (and its tests catch) ValueError."""
    for caught in (IndexError, ValueError, RuntimeError):
        with pytest.raises(caught, match=r"cross_entropy: target 5 is out of bounds for 3"):
            mg.nn.functional.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 5]))


def test_a_dtype_error_is_a_type_error_and_a_runtime_error() -> None:
    for caught in (TypeError, RuntimeError):
        with pytest.raises(caught, match=r"mean: needs a floating tensor, got int64"):
            mg.zeros(2, dtype=mg.int64).mean()


def test_a_bias_that_does_not_fit_is_named_not_a_numpy_error() -> None:
    """Before: NumPy's 'operands could not be broadcast together' from inside the forward."""
    x, w = mg.zeros(2, 3), mg.zeros(4, 3)
    with pytest.raises(RuntimeError, match=r"linear: bias of shape \(5,\) does not broadcast to "
                                           r"the output shape \(2, 4\)"):
        mg.nn.functional.linear(x, w, mg.zeros(5))
    assert mg.nn.functional.linear(x, w, mg.ones(2, 4)).tolist() == [[1.0] * 4] * 2
    assert mg.nn.functional.linear(x, w, mg.ones(1)).shape == (2, 4)


@pytest.mark.parametrize("call, message", [
    (lambda: -mg.zeros(3, dtype=mg.bool), r"neg: the - operator on a bool tensor"),
    (lambda: mg.zeros(3, dtype=mg.bool) - mg.ones(3, dtype=mg.bool),
     r"sub: the - operator on two bool tensors"),
], ids=["neg", "sub"])
def test_minus_on_bool_tensors_names_the_op_not_numpy(call, message) -> None:
    """Before: NumPy's own TypeError ('The numpy boolean negative ... is not supported')."""
    with pytest.raises(RuntimeError, match=message):
        call()


# --- wrong results and stray errors found by the same survey ----------------------------------
def test_tensordot_refuses_a_dim_out_of_range() -> None:
    """Before: dim 2 of a 2-D tensor was taken as dim 0 (2 % 2) and contracted silently."""
    with pytest.raises(IndexError, match=r"tensordot: dim 2 is out of range for a tensor of "
                                         r"shape \(2, 3\)"):
        mg.tensordot(mg.ones(2, 3), mg.ones(2, 3), dims=([2], [0]))
    assert mg.tensordot(mg.ones(2, 3), mg.ones(3, 2), dims=([-1], [0])).tolist() == [[3.0] * 2] * 2


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_cat_and_stack_take_a_sequence_of_tensors_only(op) -> None:
    """Before: AttributeError ('int' object has no attribute 'shape'), and one Tensor was
    split along its first dimension and joined again. torch raises TypeError for both."""
    join = getattr(mg, op)
    with pytest.raises(TypeError, match=rf"{op}: expected a Tensor as element 1, got int"):
        join([mg.zeros(2), 1])
    with pytest.raises(TypeError, match=rf"{op}: expected a sequence of Tensors, got one Tensor "
                                        r"of shape \(2, 3\)"):
        join(mg.zeros(2, 3))


def test_assigning_a_string_is_a_type_error_not_a_shape_error() -> None:
    """Before: 'cannot write a value of shape () into the selected elements (shape ())'."""
    with pytest.raises(TypeError, match="setitem: cannot assign a str to a tensor of dtype "
                                        "float32"):
        mg.zeros(3)[0] = "a"
