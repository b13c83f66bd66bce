#pragma once
// Internals shared by the transformer sources (transformer.cpp validates,
// transformer_json.cpp reads and writes files, transformer_run.cpp evaluates).
#include <functional>
#include <string>

#include "models/transformer.hpp"

namespace parallax::models::detail {

/// fail(ptr, msg) must throw.
using FailFn = std::function<void(const std::string&, const std::string&)>;

/// Checks every dimension, name and parameter of `s`, calling `fail` with the
/// JSON pointer of the first bad field.
void check_valid(const TransformerSpec& s, const FailFn& fail);

/// The layer's "norm_attn" or "norm_mlp".
template <class Layer>
auto& norm_of(Layer& L, const std::string& key) {
  return key == "norm_attn" ? L.norm_attn : L.norm_mlp;
}

/// The first use of softmax, of a layer norm, or of the default softmax scale
/// (1/√d_head), for precisions without exp or √ (named `precision`).
std::string missing_function_problem(const TransformerSpec& s, const std::string& precision);

}  // namespace parallax::models::detail
