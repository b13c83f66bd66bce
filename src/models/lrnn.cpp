// Model validation, input-driven transitions and token parsing.
#include <fmt/format.h>

#include <cctype>

#include "models/lrnn.hpp"

namespace parallax::models {

std::string to_string(Structure s) { return numeric::name_of(kStructureNames, s); }

namespace {

void check_transition(const LrnnSpec& s, const Transition& tr, const std::string& where, const std::string& what) {
  auto fail = [&](const std::string& msg) { throw ModelError(fmt::format("{}: {}: {}", where, what, msg)); };
  auto need = [&](const char* field, std::size_t got, std::size_t want) {
    if (got != want) fail(fmt::format("{} has {} values, expected {}", field, got, want));
  };
  const std::size_t d = s.d;
  need("b", tr.b.size(), d);
  switch (s.structure) {
    case Structure::Diagonal: need("a", tr.a.size(), d); break;
    case Structure::Complex: need("lambda (re, im pairs)", tr.a.size(), d); break;
    case Structure::PermutationDiagonal:
      need("D", tr.a.size(), d);
      need("p", tr.p.size(), d);
      for (std::size_t j = 0; j < d; ++j)
        if (tr.p[j] >= d) fail(fmt::format("p[{}] = {} is not a state index (expected 0 … {})", j, tr.p[j], d - 1));
      break;
    case Structure::Dense: need("A", tr.a.size(), d * d); break;
    case Structure::Dplr:
      for (std::size_t f = 0; f < tr.factors.size(); ++f) {
        const auto& F = tr.factors[f];
        if (F.D.size() != d) fail(fmt::format("factor {}: D has {} values, expected {}", f, F.D.size(), d));
        if (F.u.size() != F.v.size()) fail(fmt::format("factor {}: {} u vectors but {} v vectors", f, F.u.size(), F.v.size()));
        for (std::size_t q = 0; q < F.u.size(); ++q)
          if (F.u[q].size() != d || F.v[q].size() != d)
            fail(fmt::format("factor {}: u[{}] / v[{}] have {} / {} values, expected {}", f, q, q, F.u[q].size(),
                             F.v[q].size(), d));
      }
      break;
  }
}

}  // namespace

LowRankFactor householder_factor(std::vector<Exact> k, const Exact& beta) {
  LowRankFactor f;
  f.D.assign(k.size(), Exact(1));
  std::vector<Exact> u;
  for (const auto& x : k) u.push_back(-beta * x);
  f.u.push_back(std::move(u));
  f.v.push_back(std::move(k));
  return f;
}

LowRankFactor transposition_factor(std::size_t n, std::size_t i, std::size_t j) {
  std::vector<Exact> k(n, Exact(0));
  k[i] = 1, k[j] = -1;
  return householder_factor(std::move(k), Exact(1));
}

void validate(const LrnnSpec& s, const std::string& where) {
  auto fail = [&](const std::string& msg) { throw ModelError(fmt::format("{}: {}", where, msg)); };
  if (s.d == 0) fail("d must be positive");
  if (s.structure == Structure::Complex && s.d % 2 != 0) fail(fmt::format("a complex model needs an even d (got {})", s.d));
  if (s.alphabet.size() != s.tokens.size())
    fail(fmt::format("{} token names but {} transitions", s.alphabet.size(), s.tokens.size()));
  if (s.alphabet.empty() && s.input_dim == 0) fail("the model has neither a token alphabet nor input_dim");
  for (std::size_t i = 0; i < s.alphabet.size(); ++i) {
    if (s.alphabet[i].empty()) fail("empty token name");
    for (std::size_t j = 0; j < i; ++j)
      if (s.alphabet[j] == s.alphabet[i]) fail(fmt::format("token '{}' appears twice in the alphabet", s.alphabet[i]));
    check_transition(s, s.tokens[i], where, fmt::format("transition '{}'", s.alphabet[i]));
  }
  if (s.input_dim > 0) {
    if (s.input_basis.size() != s.input_dim + 1)
      fail(fmt::format("inputs has {} transitions, expected input_dim + 1 = {}", s.input_basis.size(), s.input_dim + 1));
    for (std::size_t k = 0; k < s.input_basis.size(); ++k) {
      check_transition(s, s.input_basis[k], where, fmt::format("inputs[{}]", k));
      const auto& t0 = s.input_basis[0];
      const auto& tk = s.input_basis[k];
      if (tk.p != t0.p) fail(fmt::format("inputs[{}]: p must equal inputs[0].p (the permutation does not vary with x)", k));
      if (tk.factors.size() != t0.factors.size())
        fail(fmt::format("inputs[{}]: {} factors, expected {} as in inputs[0]", k, tk.factors.size(), t0.factors.size()));
      for (std::size_t f = 0; f < tk.factors.size(); ++f)
        if (tk.factors[f].u.size() != t0.factors[f].u.size())
          fail(fmt::format("inputs[{}]: factor {} has rank {}, expected {} as in inputs[0]", k, f, tk.factors[f].u.size(),
                           t0.factors[f].u.size()));
    }
  }
  if (s.h0.size() != s.d) fail(fmt::format("h0 has {} values, expected {}", s.h0.size(), s.d));
  if (!s.c.empty() && s.c.size() != s.d) fail(fmt::format("readout c has {} values, expected {}", s.c.size(), s.d));
}

namespace detail {

Transition combine(const LrnnSpec& spec, const std::vector<Exact>& x) {
  if (x.size() != spec.input_dim)
    throw ModelError(fmt::format("an input has {} values, model '{}' expects input_dim = {}", x.size(), spec.name,
                                 spec.input_dim));
  Transition r = spec.input_basis[0];
  auto axpy = [](std::vector<Exact>& acc, const Exact& s, const std::vector<Exact>& v) {
    for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += s * v[i];
  };
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Transition& t = spec.input_basis[k + 1];
    const Exact& s = x[k];
    if (s == 0) continue;
    axpy(r.a, s, t.a);
    axpy(r.b, s, t.b);
    for (std::size_t f = 0; f < r.factors.size(); ++f) {
      axpy(r.factors[f].D, s, t.factors[f].D);
      for (std::size_t q = 0; q < r.factors[f].u.size(); ++q) {
        axpy(r.factors[f].u[q], s, t.factors[f].u[q]);
        axpy(r.factors[f].v[q], s, t.factors[f].v[q]);
      }
    }
  }
  return r;
}

}  // namespace detail

std::vector<std::uint32_t> parse_tokens(const LrnnSpec& spec, const std::string& text, const std::string& source) {
  if (spec.alphabet.empty()) throw ModelError(fmt::format("model '{}' has no token alphabet", spec.name));
  bool single_chars = true;
  for (const auto& a : spec.alphabet) single_chars = single_chars && a.size() == 1;
  std::vector<std::uint32_t> out;
  std::size_t line = 1;
  auto emit = [&](const std::string& word) {
    for (std::size_t i = 0; i < spec.alphabet.size(); ++i)
      if (spec.alphabet[i] == word) {
        out.push_back(static_cast<std::uint32_t>(i));
        return true;
      }
    return false;
  };
  auto unknown = [&](const std::string& word) {
    const std::string where = source.rfind("--", 0) == 0 ? source : fmt::format("{}:{}", source, line);
    std::string alpha = spec.alphabet.size() <= 12 ? fmt::format("{}", fmt::join(spec.alphabet, " "))
                                                   : fmt::format("{} tokens, see `parallax models --show {}`",
                                                                 spec.alphabet.size(), spec.name);
    throw ModelError(fmt::format("{}: unknown token '{}' for model '{}' (alphabet: {})", where, word, spec.name, alpha));
  };
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!emit(word)) {
      // "abba": a run of one-letter tokens
      if (!single_chars) unknown(word);
      for (char ch : word)
        if (!emit(std::string(1, ch))) unknown(std::string(1, ch));
    }
    word.clear();
  };
  for (char ch : text) {
    if (ch == '\n') {
      flush();
      ++line;
    } else if (std::isspace(static_cast<unsigned char>(ch)) || ch == ',') {
      flush();
    } else {
      word += ch;
    }
  }
  flush();
  return out;
}

}  // namespace parallax::models
