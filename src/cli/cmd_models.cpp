// `parallax models`: the named demo LRNNs, or one of them as JSON.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "models/lrnn.hpp"

namespace parallax::cli {

void add_models(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the named LRNN models, or print one as a JSON model file");
  struct Opts {
    FormatFlags fmt;
    std::string show;
  };
  auto opts = std::make_shared<Opts>();
  opts->fmt.add_to(*cmd);
  cmd->add_option("--show", opts->show, "Print the named model (or a model file, normalised) as JSON, the format of --model files");
  cmd->callback([opts] {
    if (!opts->show.empty()) {
      models::LrnnSpec spec;
      try {
        spec = models::resolve_model(opts->show);
      } catch (const models::ModelError& e) {
        throw CliError(kBadInput, e.what());
      }
      fmt::print("{}\n", models::lrnn_to_json(spec));
      return;
    }
    Records r({"name", "structure", "d", "alphabet", "description"});
    for (const auto& m : models::named_models()) {
      const auto spec = models::named_model(m.name);
      std::string alphabet = spec.alphabet.size() <= 8
                                 ? fmt::format("{}", fmt::join(spec.alphabet, " "))
                                 : fmt::format("{} tokens", spec.alphabet.size());
      r.add({{"name", m.name},
             {"structure", models::to_string(spec.structure)},
             {"d", spec.d},
             {"alphabet", alphabet},
             {"description", m.description}});
    }
    r.print(opts->fmt.format());
  });
}

}  // namespace parallax::cli
