#include "automata/minimize.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>

namespace parallax::automata {

namespace {

void check_dfa(const Dfa& d, const char* where) {
  auto fail = [&](const std::string& msg) {
    throw std::invalid_argument(fmt::format("{}: malformed DFA '{}': {}", where, d.name, msg));
  };
  if (d.states == 0) fail("it has no states");
  if (d.states >= 0xFFFFFFFFu) fail("too many states");
  if (d.start >= d.states) fail(fmt::format("start state {} is out of range", d.start));
  if (d.accepting.size() != d.states)
    fail(fmt::format("{} accepting flags for {} states", d.accepting.size(), d.states));
  if (d.delta.size() != d.alphabet.size())
    fail(fmt::format("{} transition rows for {} symbols", d.delta.size(), d.alphabet.size()));
  for (std::size_t a = 0; a < d.delta.size(); ++a) {
    if (d.delta[a].size() != d.states)
      fail(fmt::format("the row of symbol '{}' has {} entries for {} states", d.alphabet[a], d.delta[a].size(),
                       d.states));
    for (auto t : d.delta[a])
      if (t >= d.states) fail(fmt::format("symbol '{}' leads to unknown state {}", d.alphabet[a], t));
  }
}

std::string alphabet_text(const std::vector<std::string>& alphabet) {
  std::string s = "{";
  for (std::size_t i = 0; i < alphabet.size(); ++i) s += (i ? ", " : "") + alphabet[i];
  return s + "}";
}

/// Hopcroft's refinable partition: the states of a block are contiguous in
/// `elems`; during a splitter pass, the marked states of a block are swapped
/// to its front so a split is just moving the boundary.
class Partition {
 public:
  explicit Partition(std::uint32_t n) : elems_(n), loc_(n), block_(n, 0) {
    for (std::uint32_t i = 0; i < n; ++i) elems_[i] = loc_[i] = i;
    if (n) add_block(0, n);
  }

  std::uint32_t blocks() const { return static_cast<std::uint32_t>(first_.size()); }
  std::uint32_t block_of(std::uint32_t q) const { return block_[q]; }
  std::uint32_t size(std::uint32_t b) const { return end_[b] - first_[b]; }
  std::uint32_t first_state(std::uint32_t b) const { return elems_[first_[b]]; }
  const std::uint32_t* begin(std::uint32_t b) const { return elems_.data() + first_[b]; }
  const std::uint32_t* end(std::uint32_t b) const { return elems_.data() + end_[b]; }

  /// Marks q; returns true when q's block had no marked state before.
  bool mark(std::uint32_t q) {
    const auto b = block_[q];
    if (end_[b] - first_[b] == 1) return false;  // singletons never split
    const auto boundary = first_[b] + marked_[b];
    if (loc_[q] < boundary) return false;  // already marked
    const auto other = elems_[boundary];
    std::swap(elems_[loc_[q]], elems_[boundary]);
    loc_[other] = loc_[q];
    loc_[q] = boundary;
    return marked_[b]++ == 0;
  }

  /// Splits the marked states of b off into a new block, returned; returns b
  /// itself (and clears the marks) when all or none of b is marked.
  std::uint32_t split(std::uint32_t b) {
    const auto m = marked_[b];
    marked_[b] = 0;
    if (m == 0 || m == size(b)) return b;
    const auto nb = add_block(first_[b], first_[b] + m);
    first_[b] += m;
    for (auto i = first_[nb]; i < end_[nb]; ++i) block_[elems_[i]] = nb;
    return nb;
  }

  /// Splits {states with pred(q)} off block 0 (initial accepting/rejecting).
  template <class Pred>
  void split_initial(Pred pred) {
    for (std::uint32_t q = 0; q < elems_.size(); ++q)
      if (pred(q)) mark(q);
    split(0);
  }

 private:
  std::uint32_t add_block(std::uint32_t first, std::uint32_t end) {
    first_.push_back(first);
    end_.push_back(end);
    marked_.push_back(0);
    return static_cast<std::uint32_t>(first_.size() - 1);
  }

  std::vector<std::uint32_t> elems_, loc_, block_;
  std::vector<std::uint32_t> first_, end_, marked_;
};

}  // namespace

Dfa minimize(const Dfa& dfa) {
  check_dfa(dfa, "minimize");
  const std::size_t sigma = dfa.alphabet.size();

  // 1. Reachable states, numbered in BFS order.
  std::vector<std::uint32_t> id(dfa.states, 0xFFFFFFFFu);
  std::vector<std::uint32_t> order{dfa.start};
  id[dfa.start] = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
    for (std::size_t a = 0; a < sigma; ++a) {
      const auto t = dfa.delta[a][order[i]];
      if (id[t] == 0xFFFFFFFFu) {
        id[t] = static_cast<std::uint32_t>(order.size());
        order.push_back(t);
      }
    }
  const auto n = static_cast<std::uint32_t>(order.size());
  std::vector<std::uint32_t> delta(sigma * n);  // delta[a * n + q], reachable states only
  for (std::size_t a = 0; a < sigma; ++a)
    for (std::uint32_t q = 0; q < n; ++q) delta[a * n + q] = id[dfa.delta[a][order[q]]];

  // 2. Inverse transitions in CSR form: the predecessors of q on a are
  //    inv_src[a * n + inv_off[a * (n + 1) + q] ...].
  std::vector<std::uint32_t> inv_off(sigma * (n + 1), 0), inv_src(sigma * n);
  for (std::size_t a = 0; a < sigma; ++a) {
    auto* off = inv_off.data() + a * (n + 1);
    for (std::uint32_t p = 0; p < n; ++p) ++off[delta[a * n + p] + 1];
    for (std::uint32_t q = 0; q < n; ++q) off[q + 1] += off[q];
    std::vector<std::uint32_t> fill(off, off + n);
    for (std::uint32_t p = 0; p < n; ++p) inv_src[a * n + fill[delta[a * n + p]]++] = p;
  }

  // 3. Hopcroft refinement from {accepting, rejecting}.
  Partition part(n);
  part.split_initial([&](std::uint32_t q) { return static_cast<bool>(dfa.accepting[order[q]]); });
  std::vector<std::pair<std::uint32_t, std::uint32_t>> work;  // (block, symbol) splitters
  std::vector<char> queued(static_cast<std::size_t>(n) * sigma, 0);  // [block * sigma + symbol]; blocks <= n
  auto enqueue = [&](std::size_t b, std::uint32_t a) {
    if (!queued[b * sigma + a]) {
      queued[b * sigma + a] = 1;
      work.emplace_back(static_cast<std::uint32_t>(b), a);
    }
  };
  if (part.blocks() == 2) {
    // Either half suffices as the first splitter; the smaller is cheaper.
    const std::uint32_t smaller = part.size(0) <= part.size(1) ? 0 : 1;
    for (std::uint32_t a = 0; a < sigma; ++a) enqueue(smaller, a);
  }
  std::vector<std::uint32_t> splitter, touched;
  while (!work.empty()) {
    const auto [s, a] = work.back();
    work.pop_back();
    queued[s * sigma + a] = 0;
    // Copy the splitter: marking may permute its states inside `elems`.
    splitter.assign(part.begin(s), part.end(s));
    const auto* off = inv_off.data() + a * (n + 1);
    const auto* src = inv_src.data() + a * n;
    for (auto q : splitter)
      for (auto k = off[q]; k < off[q + 1]; ++k)
        if (part.mark(src[k])) touched.push_back(part.block_of(src[k]));
    for (auto b : touched) {
      const auto nb = part.split(b);
      if (nb == b) continue;
      // A queued (b, c) must now refine by both halves; otherwise one half
      // suffices (the other's effect follows), and the smaller keeps it fast.
      const auto small = part.size(nb) <= part.size(b) ? nb : b;
      for (std::uint32_t c = 0; c < sigma; ++c) {
        if (queued[b * sigma + c])
          enqueue(nb, c);
        else
          enqueue(small, c);
      }
    }
    touched.clear();
  }

  // 4. The quotient, numbered canonically by BFS over blocks.
  Dfa out;
  out.name = dfa.name;
  out.alphabet = dfa.alphabet;
  const auto blocks = part.blocks();
  std::vector<std::uint32_t> new_id(blocks, 0xFFFFFFFFu), by_id;
  new_id[part.block_of(0)] = 0;
  by_id.push_back(part.block_of(0));
  out.delta.assign(sigma, std::vector<std::uint32_t>(blocks));
  out.accepting.resize(blocks);
  for (std::uint32_t i = 0; i < by_id.size(); ++i) {
    const auto rep = part.first_state(by_id[i]);
    out.accepting[i] = dfa.accepting[order[rep]];
    for (std::size_t a = 0; a < sigma; ++a) {
      const auto tb = part.block_of(delta[a * n + rep]);
      if (new_id[tb] == 0xFFFFFFFFu) {
        new_id[tb] = static_cast<std::uint32_t>(by_id.size());
        by_id.push_back(tb);
      }
      out.delta[a][i] = new_id[tb];
    }
  }
  out.states = blocks;
  out.start = 0;
  return out;
}

std::optional<std::vector<std::uint32_t>> distinguishing_word(const Dfa& a, const Dfa& b) {
  check_dfa(a, "distinguishing_word");
  check_dfa(b, "distinguishing_word");
  if (a.alphabet != b.alphabet)
    throw std::invalid_argument(fmt::format(
        "distinguishing_word: the alphabets differ ('{}' has {}, '{}' has {}); both must list the same symbols in "
        "the same order",
        a.name, alphabet_text(a.alphabet), b.name, alphabet_text(b.alphabet)));
  const std::size_t sigma = a.alphabet.size();

  // BFS over reachable pairs; the queue doubles as the parent tree. Pairs are
  // discovered in length-lexicographic order of their least words, so the
  // first mismatching pair gives the least shortest distinguishing word.
  struct Node {
    std::uint32_t p, q, parent, symbol;
  };
  std::vector<Node> nodes;
  const std::uint64_t nb = b.states;
  const bool dense = static_cast<std::uint64_t>(a.states) * nb <= (std::uint64_t{1} << 24);
  std::vector<bool> seen_dense(dense ? a.states * nb : 0);
  std::unordered_set<std::uint64_t> seen_sparse;
  auto visit = [&](std::uint32_t p, std::uint32_t q) {
    const std::uint64_t key = p * nb + q;
    if (dense) {
      if (seen_dense[key]) return false;
      seen_dense[key] = true;
      return true;
    }
    return seen_sparse.insert(key).second;
  };
  auto word_to = [&](std::uint32_t i) {
    std::vector<std::uint32_t> w;
    for (; i != 0; i = nodes[i].parent) w.push_back(nodes[i].symbol);
    return std::vector<std::uint32_t>(w.rbegin(), w.rend());
  };

  visit(a.start, b.start);
  nodes.push_back({a.start, b.start, 0, 0});
  if (a.accepting[a.start] != b.accepting[b.start]) return std::vector<std::uint32_t>{};
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    const auto p = nodes[i].p, q = nodes[i].q;
    for (std::uint32_t s = 0; s < sigma; ++s) {
      const auto p2 = a.delta[s][p], q2 = b.delta[s][q];
      if (!visit(p2, q2)) continue;
      nodes.push_back({p2, q2, i, s});
      if (a.accepting[p2] != b.accepting[q2]) return word_to(static_cast<std::uint32_t>(nodes.size() - 1));
    }
  }
  return std::nullopt;
}

bool equivalent(const Dfa& a, const Dfa& b) { return !distinguishing_word(a, b).has_value(); }

}  // namespace parallax::automata
